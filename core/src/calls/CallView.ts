// What a plugin sees of a call: everything it may read, the media it may tap, and `hangup()`. It is a separate
// frozen object, not the `Call` behind a narrower type, so no cast reaches `markAnswered`, `attachLeg` or
// `close(reason, by)` — those belong to the core, which keeps the call's state machine honest.
import type { Observable } from 'rxjs';
import type { CallEvent } from '../events/GatewayEvent.ts';
import type { EndReason, MediaKinds, Party } from '../ports/common.ts';
import type { MediaLegName, MediaSession } from '../ports/MediaRelay.ts';
import type { Call, CallDirection } from './Call.ts';
import type { CallRegistry } from './CallRegistry.ts';
import type { CallState } from './CallState.ts';

/** The media of a call as a plugin may use it: observe, tap, read stats, send DTMF, ask for a keyframe. */
export type CallMediaView = Pick<
  MediaSession,
  'id' | 'events$' | 'tap' | 'stats' | 'sendDtmf' | 'requestKeyframe' | 'closed'
>;

export interface CallView {
  readonly id: string;
  readonly direction: CallDirection;
  readonly from: Party;
  readonly to: Party;
  readonly offered: MediaKinds;
  readonly createdAt: number;
  readonly state: CallState;
  readonly closed: boolean;
  readonly answered: boolean;
  /** This call's events only; completes after `call.ended`. */
  readonly events$: Observable<CallEvent>;
  /** The call's media session once it has one. */
  readonly media: CallMediaView | undefined;
  /** End the call from the gateway side (legs hung up with `reason`, `call.ended` by `gateway`). */
  hangup(reason?: EndReason): Promise<void>;
}

/** The calls in progress, read-only: what `ctx.calls` gives a plugin. */
export interface CallsView {
  readonly size: number;
  readonly size$: Observable<number>;
  get(id: string): CallView | undefined;
  list(): CallView[];
  find(predicate: (call: CallView) => boolean): CallView | undefined;
}

// One view per call and per media session, made on first use and dropped with the call.
const callViews = new WeakMap<Call, CallView>();
const mediaViews = new WeakMap<MediaSession, CallMediaView>();

export function callViewOf(call: Call): CallView {
  let view = callViews.get(call);
  if (!view) {
    view = Object.freeze({
      id: call.id,
      direction: call.direction,
      from: call.from,
      to: call.to,
      offered: call.offered,
      createdAt: call.createdAt,
      get state() {
        return call.state;
      },
      get closed() {
        return call.closed;
      },
      get answered() {
        return call.answered;
      },
      events$: call.events$,
      get media() {
        return call.media && mediaViewOf(call.media);
      },
      hangup: (reason?: EndReason) => call.hangup(reason),
    });
    callViews.set(call, view);
  }
  return view;
}

function mediaViewOf(media: MediaSession): CallMediaView {
  let view = mediaViews.get(media);
  if (!view) {
    view = Object.freeze({
      id: media.id,
      events$: media.events$,
      get closed() {
        return media.closed;
      },
      tap: (leg: MediaLegName, options?: Parameters<MediaSession['tap']>[1]) => media.tap(leg, options),
      stats: () => media.stats(),
      sendDtmf: (leg: MediaLegName, digit: string, durationMs?: number) =>
        media.sendDtmf(leg, digit, durationMs),
      requestKeyframe: (from: MediaLegName) => media.requestKeyframe(from),
    });
    mediaViews.set(media, view);
  }
  return view;
}

/** A read-only window on the registry: lists views, never the calls themselves. */
export function callsViewOf(registry: CallRegistry): CallsView {
  return Object.freeze({
    get size() {
      return registry.size;
    },
    size$: registry.size$,
    get: (id: string) => {
      const call = registry.get(id);
      return call && callViewOf(call);
    },
    list: () => registry.list().map(callViewOf),
    find: (predicate: (call: CallView) => boolean) => registry.list().map(callViewOf).find(predicate),
  });
}
