// The last line of defence for a gateway process: an exception or rejection that nothing handled is logged once,
// counted (`gateway.process-error`, which plugin-metrics exposes) and, by default, survived.
//
// Why survive: the gateway contains what it can see (a failing call ends that call, a malformed message gets
// a 4xx), so what reaches the process comes from a timer or socket callback inside a dependency (sip.js,
// werift, the XMPP client) — typically one message's handling. Exiting would end every call in progress and
// make that one message a remote denial of service. The honest price: the component that threw may be left in
// a state nobody checked. Operators who prefer a restart (and have a supervisor and a drained standby) set
// `exitOnUncaught`: the gateway then drains and stops, and the process exits with code 70 (EX_SOFTWARE).
import { errorMessage } from '../errors.ts';
import type { Gateway } from './Gateway.ts';

export interface ProcessSafetyNetOptions {
  /** Drain and stop the gateway, then exit 70, after an uncaught exception (default: log, count, go on). */
  readonly exitOnUncaught?: boolean;
  /** How the process ends when `exitOnUncaught` is set (tests replace it). */
  readonly exit?: (code: number) => void;
}

/** Install the handlers; returns a function that removes them. */
export function installProcessSafetyNet(gateway: Gateway, options: ProcessSafetyNetOptions = {}): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let exiting = false;
  const report = (kind: 'uncaught-exception' | 'unhandled-rejection', error: unknown) => {
    gateway.logger.error(
      { err: error, kind },
      kind === 'uncaught-exception'
        ? 'an exception reached the process; the gateway goes on'
        : 'a promise rejection nobody handled reached the process; the gateway goes on',
    );
    gateway.emit({ type: 'gateway.process-error', kind, error: errorMessage(error) });
  };
  const onException = (error: Error) => {
    report('uncaught-exception', error);
    if (!options.exitOnUncaught || exiting) return;
    exiting = true;
    gateway.logger.warn('exitOnUncaught is set: draining, then exiting with code 70');
    void gateway.stop().finally(() => exit(70));
  };
  const onRejection = (reason: unknown) => report('unhandled-rejection', reason);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
