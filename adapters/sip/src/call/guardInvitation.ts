// Works around a sip.js 0.21 defect that can end the process: when the ACK for our 200 OK never comes
// (64*T1) and the session already ended meanwhile (BYE or CANCEL race under load), `Invitation.onAckTimeout`
// tries Terminated → Terminated and throws from a timer. Seen in `pnpm bench:sip` at 100 calls/s.
import { type Invitation, SessionState } from 'sip.js';

interface AckTimeoutHook {
  onAckTimeout(): void;
}

export function guardInvitation(invitation: Invitation): void {
  const hook = invitation as unknown as AckTimeoutHook;
  const original = hook.onAckTimeout.bind(invitation);
  hook.onAckTimeout = () => {
    if (invitation.state !== SessionState.Terminated) original();
  };
}
