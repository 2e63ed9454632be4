// Test support for the SIP adapter: an AdapterContext that records events, and the RTP test peer
// presented as the media relay's SIP endpoint.
import type {
  AdapterContext,
  GatewayEvent,
  IncomingSipCall,
  LegEvent,
  SipAdapter,
  SipLeg,
  SipMediaEndpoint,
} from '@cubebridge/core';
import { pino } from 'pino';
import { Subject, type Subscription } from 'rxjs';
import { RtpTestPeer } from '../../../test/harness/sip/RtpTestPeer.ts';
import { waitFor } from '../../../test/harness/sip/processes.ts';

export interface RecordingContext {
  readonly context: AdapterContext;
  readonly events: GatewayEvent[];
  waitEvent<T extends GatewayEvent['type']>(
    type: T,
    options?: { since?: number; timeoutMs?: number },
  ): Promise<Extract<GatewayEvent, { type: T }>>;
  abort(): void;
}

export function recordingContext(): RecordingContext {
  const events: GatewayEvent[] = [];
  const controller = new AbortController();
  const logger = pino({ level: process.env.CUBEBRIDGE_TEST_LOG ?? 'silent' });
  return {
    events,
    context: { logger, emit: (event) => events.push(event), signal: controller.signal },
    waitEvent(type, options = {}) {
      return waitFor(
        `event ${type}`,
        () => events.slice(options.since ?? 0).find((event) => event.type === type) as never,
        options.timeoutMs ?? 15_000,
      );
    },
    abort: () => controller.abort(),
  };
}

/**
 * The RTP test peer as a `SipMediaEndpoint`. It has no video, but the test can play the relay's keyframe
 * wishes (`askPhoneForKeyframe`) and see the phone's (`keyframesAskedByPhone`).
 */
export function asSipEndpoint(
  peer: RtpTestPeer,
): SipMediaEndpoint & { askPhoneForKeyframe(): void; readonly keyframesAskedByPhone: number } {
  const keyframeRequests = new Subject<void>();
  let keyframesAskedByPhone = 0;
  return {
    kind: 'sip',
    keyframeRequests$: keyframeRequests.asObservable(),
    askPhoneForKeyframe: () => keyframeRequests.next(),
    keyframeRequestedByPeer: () => {
      keyframesAskedByPhone++;
    },
    get keyframesAskedByPhone() {
      return keyframesAskedByPhone;
    },
    createOffer: (options) => peer.createOffer(options),
    setRemoteAnswer: (sdp) => peer.setRemoteAnswer(sdp),
    setRemoteOffer: (sdp) => peer.setRemoteOffer(sdp),
    createAnswer: () => peer.createAnswer(),
    get negotiated() {
      return peer.negotiated;
    },
  };
}

/**
 * Answers every call the adapter receives, with a fresh RTP test peer as the media side (pushed to `peers`, for
 * the test to close); `incoming`, if given, collects the calls.
 */
export function answerEveryCall(
  adapter: SipAdapter,
  peers: RtpTestPeer[],
  incoming?: IncomingSipCall[],
): Subscription {
  return adapter.incoming$.subscribe((call) => {
    incoming?.push(call);
    void (async () => {
      const peer = await RtpTestPeer.open({ toneHz: 1000 });
      peers.push(peer);
      const leg = await call.accept(asSipEndpoint(peer));
      await leg.answer();
    })();
  });
}

/** The leg's events, collected as they come. */
export function legEvents(leg: SipLeg): LegEvent[] {
  const events: LegEvent[] = [];
  leg.events$.subscribe((event) => events.push(event));
  return events;
}

/**
 * An outgoing call from the adapter with a fresh RTP test peer as its media side (pushed to `peers`, for the test
 * to close): the leg, its events as they come, and the peer.
 */
export async function callWithTestPeer(
  adapter: SipAdapter,
  peers: RtpTestPeer[],
  request: { readonly callId: string; readonly to: string; readonly account?: string },
): Promise<{ leg: SipLeg; events: LegEvent[]; peer: RtpTestPeer }> {
  const peer = await RtpTestPeer.open({ toneHz: 1000 });
  peers.push(peer);
  const leg = await adapter.call({
    ...request,
    media: asSipEndpoint(peer),
    kinds: { audio: true, video: false },
  });
  return { leg, events: legEvents(leg), peer };
}
