// sip.js assumes a reliable transport and sets the "wait for retransmissions" timers of RFC 3261 §17 to 0:
// a completed transaction ends at once. Over UDP that breaks the one thing those timers are for — a request
// retransmitted after our final response (because the response was lost, or slow under load) no longer
// meets its transaction, so sip.js treats it as new: a retransmitted BYE gets 481, a retransmitted INFO or
// UPDATE gets 500 (CSeq out of order) and an INFO's digit could count twice. This restores the datagram
// values: Timer D (INVITE client, absorbs retransmitted final responses and re-ACKs them) 64·T1, Timer I
// (INVITE server, absorbs ACKs) T4, Timer J (non-INVITE server, resends its final response to a
// retransmitted request) 64·T1, Timer K (non-INVITE client, absorbs retransmitted responses) T4.
// sip.js reads them from one shared object when a transaction completes, so this is process-wide; on a
// reliable transport it only keeps a completed transaction in memory for that long (sip.js disposes of every
// transaction when its user agent stops).
import { Core } from 'sip.js';

export function useDatagramTransactionTimers(): void {
  const timers = Core.Timers as { -readonly [K in keyof typeof Core.Timers]: number };
  timers.TIMER_D = 64 * Core.Timers.T1;
  timers.TIMER_I = Core.Timers.T4;
  timers.TIMER_J = 64 * Core.Timers.T1;
  timers.TIMER_K = Core.Timers.T4;
}
