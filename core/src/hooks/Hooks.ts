// The gateway's decision points. Few on purpose: routing, admission and transfers.
import { Hook } from './Hook.ts';
import type {
  AdmitDecision,
  CallRequest,
  RouteDecision,
  TransferDecision,
  TransferRequest,
} from './HookTypes.ts';

export class Hooks {
  /** Where a new call goes. No decision refuses the call (SIP 404 / platform reject). */
  readonly route: Hook<CallRequest, RouteDecision>;
  /**
   * Whether a new call may proceed, asked before `route`. With no admission handler, or none that decides,
   * calls are admitted: admission is a policy a plugin adds, not a default refusal.
   */
  readonly admit: Hook<CallRequest, AdmitDecision>;
  /**
   * Whether a transfer a leg asks for (SIP REFER) is carried out. No decision refuses it; an allowed one
   * places the new leg through `route`, so the dial plan applies to transfer targets as to any call.
   */
  readonly transfer: Hook<TransferRequest, TransferDecision>;

  constructor(options: { timeoutMs?: number } = {}) {
    this.route = new Hook('route', options);
    this.admit = new Hook('admit', options);
    this.transfer = new Hook('transfer', options);
  }
}
