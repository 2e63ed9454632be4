// RFC 3311 UPDATE for sip.js 0.21 dialogs, added at runtime: @cubebridge/sip is published, so a `pnpm patch`
// of sip.js would never reach our users. Out of the box sip.js does not know UPDATE at all: its core
// answers 405 (UPDATE is not in its `AllowedMethods`), and were it let through, `SessionDialog.receiveRequest`
// would answer 501 (`default:` case) and an UPDATE outside a dialog would throw.
//
// `installUpdateHandling()` (idempotent; the adapter's constructor calls it, before any user agent exists)
// changes three things, for every sip.js user in the process:
//  1. `AllowedMethods`, the list sip.js writes into Allow (2xx to INVITE, our re-INVITEs, OPTIONS, 405),
//     becomes the methods the gateway really answers, UPDATE included (`allowHeader()` fixes the initial
//     INVITE, whose Allow sip.js hard-codes);
//  2. `SessionDialog.prototype.receiveRequest` hands an UPDATE to `delegate.onUpdate` (which SipCallLeg
//     installs on its confirmed dialog) after the in-dialog processing sip.js does for any request: CSeq
//     order (500 when out of order), remote CSeq, and the remote target, as UPDATE is a target refresh
//     request (RFC 3311 §5.2). A dialog without that delegate, early dialogs included, answers by itself:
//     200 without SDP, 491/500 to an offer (we send no reliable provisional responses, so no early
//     offer/answer ever completes). A re-INVITE that arrives while an UPDATE's offer is still being
//     answered gets 500 with Retry-After. Every other request goes to sip.js unchanged;
//  3. an UPDATE outside any dialog gets 481 instead of an exception;
//  4. every request we send with an Allow (the initial INVITE, REGISTER, REFER, where sip.js hard-codes its
//     own list with MESSAGE and without UPDATE/PRACK) carries ours instead: `UserAgentClient.init`, which
//     sends each request and each retry of one, rewrites it.
// `answerUpdateOffer()` is the offer/answer half used by the leg: the SDP goes through the session's SDH
// exactly as a re-INVITE's does (so hold/resume reach the leg through the same `onRemoteOffer`).
import { Core, type Session } from 'sip.js';
import { AllowedMethods } from 'sip.js/lib/core/user-agent-core/allowed-methods.js';

/**
 * The methods the gateway answers (sip.js's default list also claims MESSAGE, REGISTER, SUBSCRIBE). PRACK is
 * answered in the early dialogs of our reliable 18x (RFC 3262, see reliableProvisional.ts).
 */
const gatewayMethods = [
  'ACK',
  'BYE',
  'CANCEL',
  'INFO',
  'INVITE',
  'NOTIFY',
  'OPTIONS',
  'PRACK',
  'REFER',
  'UPDATE',
];

/** An incoming UPDATE: sip.js's plain non-INVITE server (as for INFO), with accept/reject and the message. */
export type IncomingUpdate = Core.UserAgentServer;

/** What SipCallLeg puts on `session.dialog.delegate` next to sip.js's own handlers. */
export interface UpdateDelegate {
  onUpdate(update: IncomingUpdate): void;
}

const installed = Symbol.for('@cubebridge/sip:update-handling');

/** The value of our Allow header field. */
export function allowHeader(): string {
  return `Allow: ${gatewayMethods.join(',')}`;
}

export function installUpdateHandling(): void {
  const prototype = Core.SessionDialog.prototype as Core.SessionDialog & { [installed]?: true };
  if (prototype[installed]) return;
  prototype[installed] = true;
  AllowedMethods.splice(0, AllowedMethods.length, ...gatewayMethods);

  const receiveRequest = prototype.receiveRequest;
  prototype.receiveRequest = function (this: Core.SessionDialog, message: Core.IncomingRequestMessage) {
    const updateBeingAnswered =
      message.method === 'INVITE' &&
      this.signalingState === Core.SignalingState.HaveRemoteOffer &&
      !this.reinviteUserAgentServer;
    if (message.method !== 'UPDATE' && !updateBeingAnswered) return receiveRequest.call(this, message);
    // What sip.js's receiveRequest does before its method switch (sequenceGuard is protected in its types).
    const dialog = this as unknown as { sequenceGuard(message: Core.IncomingRequestMessage): boolean };
    if (!dialog.sequenceGuard(message)) return;
    Core.Dialog.prototype.receiveRequest.call(this, message);
    if (updateBeingAnswered) {
      // A re-INVITE while an UPDATE's offer is still being answered: sip.js would take the UPDATE's offer as
      // the re-INVITE's. RFC 3311 §5.2 / RFC 6337 §4.3: 500 with Retry-After, as for two INVITEs.
      this.userAgentCore.replyStateless(message, { statusCode: 500, extraHeaders: [retryAfter()] });
      return;
    }
    const contact = message.parseHeader('contact');
    if (contact instanceof Core.NameAddrHeader) {
      (this as unknown as { dialogState: { remoteTarget: Core.URI } }).dialogState.remoteTarget = contact.uri;
    }
    const update = new Core.UserAgentServer(Core.NonInviteServerTransaction, this.userAgentCore, message);
    const delegate = this.delegate as Partial<UpdateDelegate> | undefined;
    if (delegate?.onUpdate) delegate.onUpdate(update);
    else answerWithoutSession(this, update);
  };

  const client = Core.UserAgentClient.prototype as unknown as {
    message: Core.OutgoingRequestMessage;
    init(): void;
  };
  const init = client.init;
  client.init = function (this: typeof client) {
    if (this.message.extraHeaders.some(isAllow)) advertiseAllowedMethods(this.message);
    init.call(this);
  };

  // private in sip.js's types
  const core = Core.UserAgentCore.prototype as unknown as {
    receiveOutsideDialogRequest(this: Core.UserAgentCore, message: Core.IncomingRequestMessage): void;
  };
  const outside = core.receiveOutsideDialogRequest;
  core.receiveOutsideDialogRequest = function (message) {
    // RFC 3311 §5.2: UPDATE only lives in a dialog; without one it is a transaction that does not exist.
    if (message.method === 'UPDATE') this.replyStateless(message, { statusCode: 481 });
    else outside.call(this, message);
  };
}

function isAllow(header: string): boolean {
  return /^\s*allow\s*:/i.test(header);
}

/** Replace the Allow sip.js hard-codes into an outgoing request (INVITE, REGISTER, REFER) with ours. */
function advertiseAllowedMethods(request: Core.OutgoingRequestMessage): void {
  const index = request.extraHeaders.findIndex(isAllow);
  if (index >= 0) request.extraHeaders[index] = allowHeader();
  else request.extraHeaders.push(allowHeader());
}

/** The Contact a 2xx to UPDATE must carry (RFC 3311 §5.2): ours, as in the 2xx to INVITE. */
export function contactHeader(core: Core.UserAgentCore): string {
  return `Contact: ${core.configuration.contact.toString()}`;
}

/** Is there an SDP offer in this UPDATE? */
export function hasOffer(message: Core.IncomingRequestMessage): boolean {
  const body = Core.getBody(message);
  return body !== undefined && body.contentDisposition === 'session';
}

/**
 * RFC 3311 §5.2 for an UPDATE with an offer: 491 while an offer of ours is unanswered (our re-INVITE, or the
 * offer in our 2xx to an offer-less re-INVITE), 500 with Retry-After while one of theirs is (a re-INVITE or
 * UPDATE still being answered). Returns the refusal, or undefined when the offer may be taken.
 */
export function offerConflict(
  dialog: Core.SessionDialog,
  answering: boolean,
): { statusCode: number; extraHeaders: string[] } | undefined {
  if (dialog.signalingState === Core.SignalingState.HaveLocalOffer)
    return { statusCode: 491, extraHeaders: [] };
  if (
    answering ||
    dialog.signalingState !== Core.SignalingState.Stable ||
    dialog.reinviteUserAgentServer !== undefined
  ) {
    return { statusCode: 500, extraHeaders: [retryAfter()] };
  }
  return undefined;
}

/**
 * Take the UPDATE's offer and produce the answer through the session's SDH (setDescription, then
 * getDescription: sip.js's own path for a re-INVITE's offer). On failure the dialog rolls back and the
 * caller answers 488.
 */
export async function answerUpdateOffer(session: Session, update: IncomingUpdate): Promise<Core.Body> {
  // The api types it as the core `Session` interface; it is the SessionDialog.
  const dialog = session.dialog as Core.SessionDialog | undefined;
  const sdh = session.sessionDescriptionHandler;
  const offer = Core.getBody(update.message);
  if (!dialog || !sdh || !offer) throw new Error('no dialog, media or offer for this UPDATE');
  dialog.signalingStateTransition(update.message);
  try {
    if (!sdh.hasDescription(offer.contentType)) throw new Error(`cannot take ${offer.contentType}`);
    await sdh.setDescription(offer.content);
    const answer = await sdh.getDescription();
    const body = Core.fromBodyLegacy(answer);
    dialog.signalingStateTransition(body);
    return body;
  } catch (error) {
    dialog.signalingStateRollback();
    await sdh.rollbackDescription?.();
    throw error;
  }
}

/** RFC 3261 §14.2: a random 0–10 s (we say 1–10: 0 would invite an immediate collision again). */
function retryAfter(): string {
  return `Retry-After: ${1 + Math.floor(Math.random() * 10)}`;
}

/** A dialog without our delegate (early, or not ours): no media to renegotiate, so no offer is taken. */
function answerWithoutSession(dialog: Core.SessionDialog, update: IncomingUpdate): void {
  if (hasOffer(update.message)) {
    // A confirmed dialog without our delegate (not yet handed to the leg): ask for a retry.
    update.reject(offerConflict(dialog, false) ?? { statusCode: 500, extraHeaders: ['Retry-After: 1'] });
    return;
  }
  update.accept({ statusCode: 200, extraHeaders: [contactHeader(dialog.userAgentCore)] });
}
