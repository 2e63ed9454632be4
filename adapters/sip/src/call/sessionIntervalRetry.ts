// RFC 4028 §7.4 for sip.js 0.21, added at runtime (a `pnpm patch` of a dependency would not reach users of
// this published package): when our INVITE's Session-Expires is below what the far end accepts, it answers
// 422 Session Interval Too Small with its Min-SE, and the UAC SHOULD try again with Session-Expires (and
// Min-SE) raised to that value. sip.js ends the call on the 422 instead.
//
// The retry is sip.js's own mechanism for 401/407: `UserAgentClient.authenticationGuard` (which every
// INVITE response passes first) bumps the CSeq, edits the request and calls `init()` for a fresh client
// transaction, keeping Call-ID, From tag and the Inviter. We wrap that guard (once, idempotently) to do the
// same for a 422 to an initial INVITE that asked for session timers; only one retry per INVITE.
import { Core } from 'sip.js';

const installed = Symbol.for('@cubebridge/sip:session-interval-retry');

interface GuardedClient {
  message: Core.OutgoingRequestMessage;
  authenticationGuard(message: Core.IncomingResponseMessage, dialog?: Core.Dialog): boolean;
  init(): void;
}

export function installSessionIntervalRetry(): void {
  const prototype = Core.UserAgentClient.prototype as unknown as GuardedClient & { [installed]?: true };
  if (prototype[installed]) return;
  prototype[installed] = true;
  const retried = new WeakSet<GuardedClient>();
  const guard = prototype.authenticationGuard;
  prototype.authenticationGuard = function (this: GuardedClient, message, dialog) {
    const request = this.message;
    const minSe = message.statusCode === 422 ? parseMinSe(message.getHeader('min-se')) : undefined;
    const asked = request.extraHeaders.findIndex((header) => /^\s*session-expires\s*:/i.test(header));
    if (
      minSe === undefined ||
      request.method !== 'INVITE' ||
      request.toTag || // a re-INVITE: SipCallLeg retries it itself (a new re-INVITE, new SDP offer)
      asked < 0 ||
      retried.has(this)
    ) {
      return guard.call(this, message, dialog);
    }
    retried.add(this);
    // Only the interval changes: the refresher we asked for (us) stays.
    request.extraHeaders[asked] = (request.extraHeaders[asked] ?? '').replace(/:\s*\d+/, `: ${minSe}`);
    const previousMinSe = request.extraHeaders.findIndex((header) => /^\s*min-se\s*:/i.test(header));
    if (previousMinSe >= 0) request.extraHeaders.splice(previousMinSe, 1);
    request.extraHeaders.push(`Min-SE: ${minSe}`);
    request.cseq += 1;
    request.setHeader('cseq', `${request.cseq} ${request.method}`);
    this.init();
    return false;
  };
}

/** `Min-SE: 120` (parameters allowed) → 120; anything else → undefined. */
export function parseMinSe(value: string | undefined): number | undefined {
  const match = /^\s*(\d{1,9})\s*(;.*)?$/.exec(value ?? '');
  const seconds = Number(match?.[1]);
  return match && seconds > 0 ? seconds : undefined;
}
