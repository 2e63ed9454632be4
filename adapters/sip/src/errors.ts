// Named errors of the SIP adapter.

/** A call-control action that SIP or the leg's state does not allow. */
export class SipCallError extends Error {
  override readonly name = 'SipCallError';
}

/** The adapter's options are wrong; the message names the option. */
export class SipOptionsError extends Error {
  override readonly name = 'SipOptionsError';
}
