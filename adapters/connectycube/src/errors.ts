// Named errors of the ConnectyCube adapter, each carrying the state that made the operation impossible.

/** The protocol has no way to do this (ConnectyCube 1:1 calls have no hold or transfer signal). */
export class UnsupportedError extends Error {
  override readonly name = 'UnsupportedError';
}

/** The operation is not allowed in the object's current state. */
export class InvalidStateError extends Error {
  override readonly name = 'InvalidStateError';
  readonly state: string;
  constructor(message: string, state: string) {
    super(`${message} (state: ${state})`);
    this.state = state;
  }
}

/** No identity represents the requested caller, or an address names no ConnectyCube user. */
export class IdentityNotFoundError extends Error {
  override readonly name = 'IdentityNotFoundError';
}

/** Options were rejected before anything was started; the message names the option. */
export class ConnectyCubeOptionsError extends Error {
  override readonly name = 'ConnectyCubeOptionsError';
}
