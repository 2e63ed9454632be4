// Named errors of the sandbox; REST errors carry the HTTP status and the ConnectyCube-shaped body.

/** A REST failure, answered as `status` with body `{"errors": errors}` like ConnectyCube's API. */
export class RestError extends Error {
  readonly status: number;
  readonly errors: Readonly<Record<string, readonly string[]>> | readonly string[];

  constructor(status: number, errors: Readonly<Record<string, readonly string[]>> | readonly string[]) {
    super(`HTTP ${status}: ${JSON.stringify(errors)}`);
    this.name = 'RestError';
    this.status = status;
    this.errors = errors;
  }

  /** The body that makes the SDK call `config.on.sessionExpired` (it compares `errors.base[0]` exactly). */
  static sessionMissing(): RestError {
    return new RestError(401, { base: ['Required session does not exist'] });
  }

  static notFound(what = 'Entity you are looking for was not found.'): RestError {
    return new RestError(404, { base: [what] });
  }

  static unauthorized(): RestError {
    return new RestError(401, { base: ['Unauthorized'] });
  }

  static forbidden(reason: string): RestError {
    return new RestError(403, { base: [reason] });
  }

  static badRequest(reason: string): RestError {
    return new RestError(400, { base: [reason] });
  }

  static unprocessable(field: string, message: string): RestError {
    return new RestError(422, { [field]: [message] });
  }
}

/** Thrown when something is asked of a sandbox (or a part of it) that is already closed. */
export class SandboxClosedError extends Error {
  constructor(what = 'sandbox') {
    super(`the ${what} is closed`);
    this.name = 'SandboxClosedError';
  }
}

/** The options given to `startSandbox()` cannot work (a seed login or id used twice). */
export class SandboxConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxConfigError';
  }
}

/** Janus was asked for (`janus: <path>`) but could not be started. */
export class JanusStartError extends Error {
  /** True when Janus ran but did not come up (another port may work), false when it could not run at all. */
  readonly retryable: boolean;
  constructor(message: string, options?: ErrorOptions & { retryable?: boolean }) {
    super(message, options);
    this.name = 'JanusStartError';
    this.retryable = options?.retryable ?? false;
  }
}
