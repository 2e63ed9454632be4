// Vocabulary shared by every port: who is on a leg, why a call ended, what media it carries.
import type { Observable } from 'rxjs';
import type { Logger } from '../logging/Logger.ts';
import type { GatewayEvent } from '../events/GatewayEvent.ts';
import type { CallJournal } from './CallJournal.ts';

/** One end of a call as the outside world names it. */
export interface Party {
  /** A SIP URI (`sip:1001@pbx.example.com`) or a platform address (`connectycube:12345`). */
  readonly uri: string;
  readonly displayName?: string;
}

/**
 * Why a leg or call ended, independent of protocol. Each adapter maps it to its own codes
 * (SIP: busy → 486, no-answer → 480/408, declined → 603, not-found → 404, unavailable → 503/480,
 * cancelled → 487; ConnectyCube: reject / stop / no-answer timer).
 */
export type EndReason =
  | 'normal'
  | 'cancelled'
  | 'busy'
  | 'no-answer'
  | 'declined'
  | 'not-found'
  | 'unavailable'
  | 'refused'
  | 'media-failed'
  | 'error'
  | 'shutdown';

export interface MediaKinds {
  readonly audio: boolean;
  readonly video: boolean;
}

/** What every adapter receives when the gateway starts it. */
export interface AdapterContext {
  readonly logger: Logger;
  /** Publish an event (registration.*, platform.*) on the gateway's `events$`. */
  emit(event: GatewayEvent): void;
  /**
   * Aborted when the gateway stops, after the calls in progress were ended and before `stop()` is called;
   * long-running loops (registration retry, reconnect) watch it.
   */
  readonly signal: AbortSignal;
  /**
   * Where adapters record their answered legs (`up`) until they end (`ended`), so that a restarted gateway can
   * end what a killed one left. Absent when the gateway keeps no journal (no `stateDir`).
   */
  readonly journal?: CallJournal;
}

/** Something with an explicit lifecycle, mediasoup-style: `close()` is idempotent and `closed` is always known. */
export interface Closable {
  readonly closed: boolean;
  close(): Promise<void>;
}

/** Events every leg reports to the core, whatever its protocol. */
export type LegEvent =
  | { readonly type: 'ringing' }
  /** Early media is flowing before answer (SIP 183 with SDP). */
  | { readonly type: 'early-media' }
  | { readonly type: 'answered' }
  | { readonly type: 'held'; readonly by: 'remote' | 'local' }
  | { readonly type: 'resumed'; readonly by: 'remote' | 'local' }
  | {
      readonly type: 'dtmf';
      readonly digit: string;
      readonly durationMs: number;
      readonly via: DtmfTransport;
    }
  | {
      readonly type: 'transfer-requested';
      /** Where the far end asks its peer to be transferred (SIP: the REFER's Refer-To, without headers). */
      readonly target: string;
      /**
       * Tell the far end how the transfer goes (SIP: a NOTIFY with a `message/sipfrag` body); the final
       * progress (`succeeded` or `failed`) ends the report. Absent when the protocol cannot report.
       */
      readonly report?: (progress: TransferProgress) => void;
    }
  | {
      readonly type: 'ended';
      readonly reason: EndReason;
      /** The protocol's own code or word, for logs (`486`, `reject`). */
      readonly detail?: string;
      readonly by: 'remote' | 'local';
    };

/** How a transfer the far end asked for goes, as the core reports it back to that leg. */
export type TransferProgress =
  | { readonly state: 'succeeded' }
  | { readonly state: 'failed'; readonly reason: EndReason; readonly detail?: string };

export type DtmfTransport = 'rfc4733' | 'sip-info' | 'platform-message';

/**
 * One side of a call, seen the same way whatever the protocol.
 * A leg owns its signalling only; media lives in the call's MediaSession, whose endpoint the adapter
 * received when the leg was created or accepted.
 * The leg event contract (held by `@cubebridge/core/testing`'s conformance suites, which both real adapters
 * and the in-memory doubles run): every subscriber to `events$` receives the leg's events from its creation,
 * replayed, then live ones — so nobody misses a `ringing` that came before the `call()`/`accept()` returning the
 * leg resolved (an adapter may bound the replayed history to its most recent events; `ended` is always kept).
 * `ended` is emitted exactly once, is the last event, and the stream completes right after it; `closed` is true
 * from then on. A local `hangup()` ends the leg too (`by: 'local'`) and is idempotent.
 */
export interface CallLeg extends Closable {
  readonly id: string;
  readonly side: 'sip' | 'platform';
  readonly direction: 'inbound' | 'outbound';
  readonly local: Party;
  readonly remote: Party;
  readonly events$: Observable<LegEvent>;
  /** Inbound only: tell the caller we are ringing (SIP 180). */
  ring(): Promise<void>;
  /** Inbound only: accept the call; media negotiation uses the endpoint given by `accept()`. */
  answer(): Promise<void>;
  /** End the leg: before answer this is a reject or CANCEL, after it a BYE / stop. Idempotent. */
  hangup(reason: EndReason): Promise<void>;
  hold(): Promise<void>;
  resume(): Promise<void>;
  /** Send digits out-of-band as this leg's protocol prefers (RFC 4733 via media, SIP INFO, app message). */
  sendDtmf(digits: string, options?: { durationMs?: number }): Promise<void>;
  /**
   * Blind transfer of the far end to `target` (SIP REFER): resolves once the far end reports that its new call
   * succeeded, rejects with TransferFailedError (carrying the reason) when it reports a failure; adapters that
   * cannot transfer reject with UnsupportedError.
   */
  transfer(target: string): Promise<void>;
}
