// The gateway's decision points. Few on purpose: routing and admission.
import { Hook } from './Hook.ts';
import type { AdmitDecision, CallRequest, RouteDecision } from './HookTypes.ts';

export class Hooks {
  /** Where a new call goes. No decision refuses the call (SIP 404 / platform reject). */
  readonly route: Hook<CallRequest, RouteDecision>;
  /**
   * Whether a new call may proceed, asked before `route`. With no admission handler, or none that decides,
   * calls are admitted: admission is a policy a plugin adds, not a default refusal.
   */
  readonly admit: Hook<CallRequest, AdmitDecision>;

  constructor(options: { timeoutMs?: number } = {}) {
    this.route = new Hook('route', options);
    this.admit = new Hook('admit', options);
  }
}
