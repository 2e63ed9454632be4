// Early media through a forking proxy, for sip.js 0.21 at runtime (a `pnpm patch` of a dependency would not
// reach users of this published package).
//
// With `earlyMedia: true` sip.js applies the answer of the first 18x with SDP and remembers its early dialog;
// when the 2xx then comes from another dialog (another To tag: a proxy forked the INVITE, e.g. Kamailio
// ringing two registered phones, and the phone that answered is not the one whose 183 we heard), sip.js
// sends ACK + BYE and ends the call, because a WebRTC offer cannot take a second answer. Our media endpoint
// can: `MediaEndpointSdh.replaceRemoteAnswer` re-arms it with the same offer and applies the answering
// branch's SDP (its dialog's answer: from the 2xx, or from its own reliable 18x). Then the answering dialog
// becomes the early media dialog, the other early dialog is disposed (its branch gets CANCELled by the proxy;
// an in-dialog request on it now gets 481), and sip.js's own `onAccept` ACKs and establishes the call.
import { Core, Inviter, SessionState } from 'sip.js';
import { MediaEndpointSdh } from './MediaEndpointSdh.ts';

const installed = Symbol.for('@cubebridge/sip:forked-early-media');

/** The parts of sip.js's Inviter this needs (private in its types). */
interface ForkingInviter {
  readonly state: SessionState;
  readonly sessionDescriptionHandler: unknown;
  readonly logger: { log(message: string): void; warn(message: string): void };
  earlyMediaDialog: Core.SessionDialog | undefined;
  onAccept(response: Core.AckableIncomingResponseWithSession): Promise<void>;
  ackAndBye(response: Core.AckableIncomingResponseWithSession, statusCode?: number, reason?: string): void;
  stateTransition(state: SessionState): void;
}

export function installForkedEarlyMedia(): void {
  const prototype = Inviter.prototype as unknown as ForkingInviter & { [installed]?: true };
  if (prototype[installed]) return;
  prototype[installed] = true;
  const onAccept = prototype.onAccept;
  prototype.onAccept = function (this: ForkingInviter, response) {
    const early = this.earlyMediaDialog;
    const confirmed = response.session as Core.SessionDialog;
    const sdh = this.sessionDescriptionHandler;
    const answer = confirmed.answer;
    if (
      !early ||
      early === confirmed ||
      this.state !== SessionState.Establishing ||
      confirmed.signalingState !== Core.SignalingState.Stable ||
      !answer ||
      !(sdh instanceof MediaEndpointSdh)
    ) {
      return onAccept.call(this, response);
    }
    this.logger.log(`forked INVITE answered by dialog ${confirmed.id}, not the early media one ${early.id}`);
    return sdh.replaceRemoteAnswer(answer.content).then(
      () => {
        this.earlyMediaDialog = confirmed;
        early.dispose();
        return onAccept.call(this, response);
      },
      (error: unknown) => {
        this.logger.warn(`the answering branch's SDP was refused: ${String(error)}`);
        this.ackAndBye(response, 488, 'Not Acceptable Here');
        this.stateTransition(SessionState.Terminated);
        throw error;
      },
    );
  };
}
