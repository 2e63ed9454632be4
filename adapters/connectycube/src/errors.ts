// Named errors of the ConnectyCube adapter. State and capability errors are the core's own (InvalidStateError,
// UnsupportedError), so a caller can test for them whatever the adapter.
import { CubeBridgeError } from '@cubebridge/core';

export { InvalidStateError, UnsupportedError } from '@cubebridge/core';

/** No identity represents the requested caller, or an address names no ConnectyCube user. */
export class IdentityNotFoundError extends CubeBridgeError {
  override readonly name = 'IdentityNotFoundError';
}

/** Options were rejected before anything was started; the message names the option. */
export class ConnectyCubeOptionsError extends CubeBridgeError {
  override readonly name = 'ConnectyCubeOptionsError';
}

/**
 * An identity could not log in: the REST session (`session`: bad credentials, unreachable API) or chat (`chat`).
 * The message carries the server's answer (status and error texts), never the password.
 */
export class IdentityLoginError extends CubeBridgeError {
  override readonly name = 'IdentityLoginError';
  readonly login: string;
  readonly stage: 'session' | 'chat';
  constructor(login: string, stage: 'session' | 'chat', cause: unknown) {
    super(
      `ConnectyCube ${stage === 'session' ? 'login' : 'chat connection'} failed for '${login}': ${describe(cause)}`,
      {
        cause,
      },
    );
    this.login = login;
    this.stage = stage;
  }
}

/** The SDK rejects with `{ code, info }` objects, strings, or errors. */
function describe(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  if (typeof cause === 'string') return cause;
  if (typeof cause === 'object' && cause !== null) {
    const { code, info } = cause as { code?: unknown; info?: unknown };
    return [code, info === undefined ? undefined : JSON.stringify(info)]
      .filter((part) => part !== undefined)
      .join(' ');
  }
  return String(cause);
}
