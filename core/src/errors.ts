// Named error classes: each says what went wrong and carries the state or key that was wrong.
import type { CallState } from './calls/CallState.ts';
import type { EndReason } from './ports/common.ts';

export class CubeBridgeError extends Error {
  override readonly name: string = 'CubeBridgeError';
}

/** An operation was attempted in a state that does not allow it (a call already ended, a gateway not started). */
export class InvalidStateError extends CubeBridgeError {
  override readonly name = 'InvalidStateError';
  readonly state: string;
  readonly attempted: string;
  constructor(what: string, state: CallState | string, attempted: string) {
    super(`${what} is '${state}': cannot ${attempted}`);
    this.state = state;
    this.attempted = attempted;
  }
}

/** The operation exists in the port but this adapter cannot do it (e.g. transfer on a platform without it). */
export class UnsupportedError extends CubeBridgeError {
  override readonly name = 'UnsupportedError';
}

/** The far end reported that a transfer it was asked to make failed (SIP: a final NOTIFY that is not 2xx). */
export class TransferFailedError extends CubeBridgeError {
  override readonly name = 'TransferFailedError';
  readonly reason: EndReason;
  readonly detail: string | undefined;
  constructor(reason: EndReason, detail?: string) {
    super(`transfer failed: ${reason}${detail ? ` (${detail})` : ''}`);
    this.reason = reason;
    this.detail = detail;
  }
}

export interface ConfigIssue {
  /** Dotted key path, e.g. `sip.accounts.0.password`. */
  readonly path: string;
  readonly message: string;
  /** What was found, already redacted when the key is a secret. */
  readonly found: string;
}

/** The configuration is invalid; the message lists every problem with its key path and how to fix it. */
export class ConfigError extends CubeBridgeError {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];
  constructor(source: string, issues: readonly ConfigIssue[]) {
    super(
      `Invalid configuration (${source}):\n` +
        issues
          .map((issue) => `  - ${issue.path || '(root)'}: ${issue.message} (found: ${issue.found})`)
          .join('\n'),
    );
    this.issues = issues;
  }
}

/** A plugin could not be loaded or started; the message always names the plugin. */
export class PluginError extends CubeBridgeError {
  override readonly name = 'PluginError';
  readonly plugin: string;
  constructor(plugin: string, message: string, options?: { cause?: unknown }) {
    super(`Plugin '${plugin}': ${message}`, options);
    this.plugin = plugin;
  }
}

/** An adapter failed to start or stop; names the component (`sip`, `media`, `platform`). */
export class AdapterError extends CubeBridgeError {
  override readonly name = 'AdapterError';
  readonly component: string;
  constructor(component: string, message: string, options?: { cause?: unknown }) {
    super(`${component}: ${message}`, options);
    this.component = component;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
