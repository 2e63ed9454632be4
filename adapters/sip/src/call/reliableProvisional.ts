// RFC 3262 (100rel / PRACK) on sip.js 0.21, completed at runtime (a `pnpm patch` of a dependency would not
// reach users of this published package).
//
// What sip.js does by itself, and what we rely on:
//  - UAC: a 101–199 with `Require: 100rel` and RSeq is PRACKed (RAck: RSeq CSeq) in every signaling state,
//    retransmissions and out-of-order RSeqs are dropped by the early dialog (`reliableSequenceGuard`); with
//    `sipExtension100rel: Supported` (userAgentOptions.ts) our INVITEs and responses say `Supported: 100rel`.
//  - UAS: when the caller requires 100rel, `Invitation.progress()` sends the 18x with `Require: 100rel`, an
//    RSeq and our SDP answer, retransmits it from T1 doubling until the PRACK, answers the PRACK (an offer in
//    it gets its answer in the 200), holds a 2xx back until then, and gives up with 504 after 64·T1.
//
// What this file fixes: sip.js decides "required" from the first Require header only, by substring, and
// then lets a `Supported: 100rel` in the same INVITE overwrite it with "supported" — and a caller that sends
// both (most that require it) then gets unreliable 18x (even the automatic first 180), against its Require.
// `Invitation.rel100` becomes a getter over all Require/Supported header values of the INVITE.
import { type Core, Invitation } from 'sip.js';

const installed = Symbol.for('@cubebridge/sip:reliable-provisional');

/** Does a list of option-tag header values (`Require`, `Supported`) contain `tag`? */
export function hasOptionTag(values: readonly string[], tag: string): boolean {
  return values.some((value) => value.split(',').some((item) => item.trim().toLowerCase() === tag));
}

export function installReliableProvisionalResponses(): void {
  const prototype = Invitation.prototype as Invitation & { [installed]?: true };
  if (prototype[installed]) return;
  prototype[installed] = true;
  Object.defineProperty(prototype, 'rel100', {
    configurable: true,
    get(this: { incomingInviteRequest?: { message: Core.IncomingRequestMessage } }) {
      const request = this.incomingInviteRequest?.message;
      if (!request) return 'none';
      if (hasOptionTag(request.getHeaders('require'), '100rel')) return 'required';
      if (hasOptionTag(request.getHeaders('supported'), '100rel')) return 'supported';
      return 'none';
    },
    // sip.js's constructor assigns its own reading; ours is computed from the INVITE each time.
    set() {},
  });
}
