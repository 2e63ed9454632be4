// Every event the gateway publishes, as one discriminated union: observe with `events$.pipe(ofType(...))`.
import type { CallState } from '../calls/CallState.ts';
import type { DtmfTransport, EndReason, MediaKinds, Party } from '../ports/common.ts';
import type { MediaSessionStats } from '../ports/MediaRelay.ts';
import type { RouteDestination } from '../hooks/HookTypes.ts';

interface EventBase {
  /** `Date.now()` when the event was published. */
  readonly at: number;
}

interface CallEventBase extends EventBase {
  readonly callId: string;
}

export type CallEvent =
  | (CallEventBase & {
      readonly type: 'call.created';
      readonly direction: 'sip-to-platform' | 'platform-to-sip';
      readonly from: Party;
      readonly to: Party;
      readonly offered: MediaKinds;
    })
  | (CallEventBase & {
      readonly type: 'call.routed';
      readonly destination: RouteDestination;
      readonly by: string;
    })
  | (CallEventBase & { readonly type: 'call.state'; readonly from: CallState; readonly to: CallState })
  | (CallEventBase & { readonly type: 'call.ringing' })
  | (CallEventBase & { readonly type: 'call.answered' })
  | (CallEventBase & { readonly type: 'call.held'; readonly by: 'sip' | 'platform' })
  | (CallEventBase & { readonly type: 'call.resumed'; readonly by: 'sip' | 'platform' })
  | (CallEventBase & {
      readonly type: 'call.dtmf';
      readonly digit: string;
      readonly durationMs: number;
      readonly from: 'sip' | 'platform';
      readonly via: DtmfTransport;
    })
  | (CallEventBase & {
      readonly type: 'call.transfer-requested';
      readonly target: string;
      /** The side that asked (its party is the transferor). */
      readonly by: 'sip' | 'platform';
    })
  | (CallEventBase & {
      readonly type: 'call.transferred';
      readonly target: string;
      readonly by: 'sip' | 'platform';
      /**
       * The new party. Asked by the SIP side: the new SIP leg (and its SIP Call-ID) now in the call, whose id,
       * platform leg and media stay. Asked by the app: where the phone was sent; the call then ends.
       */
      readonly party: Party;
      readonly sipCallId?: string;
    })
  | (CallEventBase & {
      readonly type: 'call.transfer-failed';
      readonly target: string;
      readonly by: 'sip' | 'platform';
      /** Refused (by a hook or the dial plan) or the new leg failed; the call goes on as it was. */
      readonly reason: EndReason;
      readonly detail?: string;
    })
  | (CallEventBase & {
      readonly type: 'call.media-stats';
      readonly stats: MediaSessionStats;
      readonly final: boolean;
    })
  | (CallEventBase & {
      readonly type: 'call.ended';
      readonly reason: EndReason;
      readonly detail?: string;
      /** Which side ended it: `sip`, `platform` or `gateway` (drain, error, hangup from a plugin). */
      readonly by: 'sip' | 'platform' | 'gateway';
      readonly durationMs: number;
      readonly answered: boolean;
    });

export type RegistrationEvent =
  | (EventBase & { readonly type: 'registration.registering'; readonly account: string })
  | (EventBase & {
      readonly type: 'registration.registered';
      readonly account: string;
      readonly expiresSec: number;
    })
  | (EventBase & { readonly type: 'registration.unregistered'; readonly account: string })
  | (EventBase & {
      readonly type: 'registration.failed';
      readonly account: string;
      readonly error: string;
      readonly retryInMs: number | undefined;
    });

export type PlatformEvent =
  | (EventBase & { readonly type: 'platform.connected'; readonly identity: string })
  | (EventBase & {
      readonly type: 'platform.disconnected';
      readonly identity: string;
      readonly error?: string;
    })
  | (EventBase & {
      readonly type: 'platform.reconnecting';
      readonly identity: string;
      readonly attempt: number;
    });

export type GatewayLifecycleEvent =
  | (EventBase & { readonly type: 'gateway.starting' })
  | (EventBase & { readonly type: 'gateway.started' })
  | (EventBase & { readonly type: 'gateway.draining'; readonly activeCalls: number })
  | (EventBase & { readonly type: 'gateway.stopping' })
  | (EventBase & { readonly type: 'gateway.stopped' })
  | (EventBase & { readonly type: 'gateway.plugin-started'; readonly plugin: string })
  | (EventBase & { readonly type: 'gateway.plugin-stopped'; readonly plugin: string })
  /** A subscriber or hook threw, or took too long; the gateway went on. */
  | (EventBase & {
      readonly type: 'gateway.subscriber-error';
      readonly subscriber: string;
      readonly error: string;
      readonly eventType: string | undefined;
    })
  | (EventBase & {
      readonly type: 'gateway.slow-subscriber';
      readonly subscriber: string;
      readonly eventType: string;
      readonly tookMs: number;
    })
  | (EventBase & { readonly type: 'gateway.error'; readonly component: string; readonly error: string })
  /**
   * Handling one call threw or rejected (an adapter callback, a leg, the bridge itself): that call was ended
   * (or, before it existed, the incoming call refused); the gateway went on. `stage` says where it failed.
   */
  | (EventBase & {
      readonly type: 'gateway.call-error';
      readonly callId?: string;
      readonly stage: string;
      readonly error: string;
    })
  /**
   * An exception or rejection nothing handled reached the process (`uncaughtException`, `unhandledRejection`);
   * the CLI logs and counts it instead of exiting (docs/architecture.md, "Failure containment").
   */
  | (EventBase & {
      readonly type: 'gateway.process-error';
      readonly kind: 'uncaught-exception' | 'unhandled-rejection';
      readonly error: string;
    });

export type GatewayEvent = CallEvent | RegistrationEvent | PlatformEvent | GatewayLifecycleEvent;
export type GatewayEventType = GatewayEvent['type'];
export type EventOfType<T extends GatewayEventType> = Extract<GatewayEvent, { type: T }>;

/** An event as a component publishes it: the bus stamps `at`. */
export type GatewayEventInput = GatewayEvent extends infer E
  ? E extends GatewayEvent
    ? Omit<E, 'at'> & { readonly at?: number }
    : never
  : never;

/** A call event as a Call publishes it: the call stamps `callId`, the bus stamps `at`. */
export type CallEventInput = CallEvent extends infer E
  ? E extends CallEvent
    ? Omit<E, 'at' | 'callId'>
    : never
  : never;
