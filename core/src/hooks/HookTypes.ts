// The decisions plugins make through hooks: where a call goes (`route`), whether it may proceed (`admit`) and
// whether a transfer one side asks for is carried out (`transfer`).
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

/** A leg of an answered call asks to be transferred (SIP REFER): what a transfer handler sees. */
export interface TransferRequest {
  readonly callId: string;
  /** The side that asked: its party leaves the call, the other side's party is transferred. */
  readonly by: 'sip' | 'platform';
  /** Where the asking side wants the other party to go (SIP: the Refer-To URI). */
  readonly target: string;
  /** Who asked (the transferor). */
  readonly transferor: Party;
  /** Who is transferred (the transferee): stays in the call and gets the new party. */
  readonly transferee: Party;
}

/**
 * A transfer handler allows the transfer (optionally to a rewritten target, giving up after `ringTimeoutMs`),
 * refuses it, or returns undefined to let the next handler decide. With no decision the transfer is refused:
 * carrying one out is a policy a plugin adds.
 */
export type TransferDecision =
  | { readonly allow: true; readonly target?: string; readonly ringTimeoutMs?: number }
  | { readonly allow: false; readonly reason?: RouteRefusal['reason']; readonly detail?: string }
  | undefined;
