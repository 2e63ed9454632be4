// The decisions plugins make through hooks: where a call goes (`route`) and whether it may proceed (`admit`).
import type { MediaKinds, Party } from '../ports/common.ts';

/** What a routing decision points at. */
export type RouteDestination =
  | {
      readonly kind: 'platform';
      /** One user, or several for a hunt group (first to answer wins). */
      readonly users: readonly string[];
      readonly userInfo?: Readonly<Record<string, string>>;
      readonly ringTimeoutMs?: number;
    }
  | {
      readonly kind: 'sip';
      readonly uri: string;
      readonly account?: string;
      readonly headers?: Readonly<Record<string, string>>;
    };

/** What a route or admit handler sees about the call being decided. */
export interface CallRequest {
  readonly callId: string;
  readonly direction: 'sip-to-platform' | 'platform-to-sip';
  readonly from: Party;
  readonly to: Party;
  readonly offered: MediaKinds;
  /** SIP headers (inbound SIP) or app `userInfo` (inbound platform). */
  readonly attributes: Readonly<Record<string, string>>;
}

/** Why a route handler refuses a call outright (a dial plan's "closed", "blocked"). */
export interface RouteRefusal {
  readonly reason: 'not-found' | 'unavailable' | 'busy' | 'declined' | 'refused';
  readonly detail?: string;
}

/**
 * A route handler returns a destination, or a refusal, to decide; or undefined to let the next handler decide.
 */
export type RouteDecision =
  | { readonly destination: RouteDestination }
  | { readonly refuse: RouteRefusal }
  | undefined;

export type AdmitDecision =
  | { readonly admit: true }
  | { readonly admit: false; readonly reason: string; readonly status?: 'busy' | 'refused' | 'unavailable' }
  | undefined;

export interface HookMap {
  route: { input: CallRequest; output: RouteDecision };
  admit: { input: CallRequest; output: AdmitDecision };
}
