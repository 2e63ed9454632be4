// The gateway's Prometheus metrics, fed by its event stream: calls (started, ended by reason, set-up time,
// duration), media quality per leg (packets, bytes, loss, jitter, RTT, MOS), DTMF, registrations, the platform's
// connections, and the gateway's own health (subscriber errors, draining). One registry per plugin instance:
// two gateways in one process share nothing.
import type { CallView, GatewayEvent, LegStats, MediaSessionStats } from '@cubebridge/core';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { type LegName, MediaStatsDeltas } from './MediaStatsDeltas.ts';
import type { ResolvedMetricsOptions } from './MetricsOptions.ts';
import { ProcessMetrics } from './ProcessMetrics.ts';

type Direction = CallView['direction'];

interface TrackedCall {
  readonly direction: Direction;
  readonly createdAt: number;
  latest?: MediaSessionStats;
}

/** A call in progress as `/calls` shows it. */
export interface CallSnapshot {
  readonly id: string;
  readonly direction: Direction;
  readonly state: CallView['state'];
  readonly from: CallView['from'];
  readonly to: CallView['to'];
  readonly ageSec: number;
  readonly media: MediaSessionStats | undefined;
}

const legs: readonly LegName[] = ['sip', 'webrtc'];

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #calls = new Map<string, TrackedCall>();
  readonly #deltas = new MediaStatsDeltas();
  /** SIP accounts seen so far, so that a refresh in progress does not read as unregistered. */
  readonly #accounts = new Set<string>();
  readonly #process: ProcessMetrics | undefined;
  readonly #metric;

  constructor(options: ResolvedMetricsOptions, callsInProgress: () => readonly CallView[]) {
    const name = (suffix: string) => `${options.prefix}${suffix}`;
    const registers = [this.registry];
    this.registry.setDefaultLabels(options.labels);
    this.#metric = {
      callsStarted: new Counter({
        name: name('calls_started_total'),
        help: 'Calls the gateway took, by direction.',
        labelNames: ['direction'],
        registers,
      }),
      callsEnded: new Counter({
        name: name('calls_ended_total'),
        help: 'Calls that ended, by direction, reason and whether they were answered.',
        labelNames: ['direction', 'reason', 'answered'],
        registers,
      }),
      callsActive: new Gauge({
        name: name('calls_active'),
        help: 'Calls in progress, by direction and state.',
        labelNames: ['direction', 'state'],
        registers,
        collect() {
          this.reset();
          for (const call of callsInProgress()) this.inc({ direction: call.direction, state: call.state });
        },
      }),
      setup: new Histogram({
        name: name('call_setup_seconds'),
        help: 'From the call reaching the gateway to its answer, by direction.',
        labelNames: ['direction'],
        buckets: [0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60],
        registers,
      }),
      duration: new Histogram({
        name: name('call_duration_seconds'),
        help: 'Length of answered calls, from answer to end, by direction.',
        labelNames: ['direction'],
        buckets: [5, 15, 30, 60, 120, 300, 600, 1800, 3600],
        registers,
      }),
      dtmf: new Counter({
        name: name('dtmf_digits_total'),
        help: 'DTMF digits relayed, by the side they came from and how they travelled.',
        labelNames: ['from', 'via'],
        registers,
      }),
      packets: new Counter({
        name: name('media_packets_total'),
        help: 'RTP packets on each media leg, sent or received by the gateway.',
        labelNames: ['leg', 'way'],
        registers,
      }),
      bytes: new Counter({
        name: name('media_bytes_total'),
        help: 'RTP payload bytes on each media leg, sent or received by the gateway.',
        labelNames: ['leg', 'way'],
        registers,
      }),
      lost: new Counter({
        name: name('media_packets_lost_total'),
        help: 'RTP packets the gateway expected on a leg and did not receive.',
        labelNames: ['leg'],
        registers,
      }),
      jitter: new Histogram({
        name: name('media_jitter_seconds'),
        help: 'Interarrival jitter (RFC 3550) per leg, one observation per stats report.',
        labelNames: ['leg'],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2],
        registers,
      }),
      rtt: new Histogram({
        name: name('media_rtt_seconds'),
        help: 'Round-trip time from RTCP per leg, one observation per stats report that has one.',
        labelNames: ['leg'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.4, 0.8],
        registers,
      }),
      mos: new Histogram({
        name: name('media_mos'),
        help: 'Estimated listening quality (E-model MOS, 1 to 4.5) per leg, one observation per stats report.',
        labelNames: ['leg'],
        buckets: [1.5, 2, 2.5, 3, 3.5, 3.8, 4, 4.2, 4.4],
        registers,
      }),
      registrationUp: new Gauge({
        name: name('registration_up'),
        help: '1 while a SIP account is registered, 0 otherwise.',
        labelNames: ['account'],
        registers,
      }),
      registrationFailures: new Counter({
        name: name('registration_failures_total'),
        help: 'Failed registration attempts per SIP account.',
        labelNames: ['account'],
        registers,
      }),
      platformConnected: new Gauge({
        name: name('platform_connected'),
        help: '1 while the platform identity (ConnectyCube chat) is connected, 0 otherwise.',
        labelNames: ['identity'],
        registers,
      }),
      platformReconnects: new Counter({
        name: name('platform_reconnects_total'),
        help: 'Reconnection attempts of a platform identity.',
        labelNames: ['identity'],
        registers,
      }),
      subscriberErrors: new Counter({
        name: name('subscriber_errors_total'),
        help: 'Event subscribers or hooks that threw (the gateway went on), by subscriber.',
        labelNames: ['subscriber'],
        registers,
      }),
      slowSubscribers: new Counter({
        name: name('slow_subscribers_total'),
        help: 'Events a subscriber took too long to handle, by subscriber.',
        labelNames: ['subscriber'],
        registers,
      }),
      componentErrors: new Counter({
        name: name('component_errors_total'),
        help: 'Errors a gateway component reported, by component.',
        labelNames: ['component'],
        registers,
      }),
      callErrors: new Counter({
        name: name('call_errors_total'),
        help: 'Failures while handling one call (that call was ended, the gateway went on), by stage.',
        labelNames: ['stage'],
        registers,
      }),
      processErrors: new Counter({
        name: name('process_errors_total'),
        help: 'Exceptions and rejections nothing handled that reached the process (logged, survived), by kind.',
        labelNames: ['kind'],
        registers,
      }),
      draining: new Gauge({
        name: name('draining'),
        help: '1 once the gateway refuses new calls to drain the ones in progress.',
        registers,
      }),
    };
    this.#metric.draining.set(0);
    this.#process = options.processMetrics ? new ProcessMetrics(name, this.registry) : undefined;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition Prometheus scrapes. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** The calls in progress, with their latest media stats. */
  snapshot(callsInProgress: readonly CallView[], now = Date.now()): CallSnapshot[] {
    return callsInProgress.map((call) => ({
      id: call.id,
      direction: call.direction,
      state: call.state,
      from: call.from,
      to: call.to,
      ageSec: Math.round((now - call.createdAt) / 1000),
      media: this.#calls.get(call.id)?.latest,
    }));
  }

  observe(event: GatewayEvent): void {
    const m = this.#metric;
    switch (event.type) {
      case 'call.created':
        this.#calls.set(event.callId, { direction: event.direction, createdAt: event.at });
        m.callsStarted.inc({ direction: event.direction });
        return;
      case 'call.answered': {
        const call = this.#calls.get(event.callId);
        if (call) m.setup.observe({ direction: call.direction }, (event.at - call.createdAt) / 1000);
        return;
      }
      case 'call.dtmf':
        m.dtmf.inc({ from: event.from, via: event.via });
        return;
      case 'call.media-stats':
        this.#observeMedia(event.callId, event.stats, event.final);
        return;
      case 'call.ended': {
        const call = this.#calls.get(event.callId);
        this.#calls.delete(event.callId);
        this.#deltas.forget(event.callId);
        const direction = call?.direction ?? 'unknown';
        m.callsEnded.inc({ direction, reason: event.reason, answered: String(event.answered) });
        if (event.answered) m.duration.observe({ direction }, event.durationMs / 1000);
        return;
      }
      case 'registration.registered':
        m.registrationUp.set({ account: event.account }, 1);
        return;
      case 'registration.registering':
        // A refresh in progress is still registered; only a first attempt starts from 0.
        if (!this.#accounts.has(event.account)) m.registrationUp.set({ account: event.account }, 0);
        this.#accounts.add(event.account);
        return;
      case 'registration.failed':
        m.registrationUp.set({ account: event.account }, 0);
        m.registrationFailures.inc({ account: event.account });
        return;
      case 'registration.unregistered':
        m.registrationUp.set({ account: event.account }, 0);
        return;
      case 'platform.connected':
        m.platformConnected.set({ identity: event.identity }, 1);
        return;
      case 'platform.disconnected':
        m.platformConnected.set({ identity: event.identity }, 0);
        return;
      case 'platform.reconnecting':
        m.platformConnected.set({ identity: event.identity }, 0);
        m.platformReconnects.inc({ identity: event.identity });
        return;
      case 'gateway.subscriber-error':
        m.subscriberErrors.inc({ subscriber: event.subscriber });
        return;
      case 'gateway.slow-subscriber':
        m.slowSubscribers.inc({ subscriber: event.subscriber });
        return;
      case 'gateway.error':
        m.componentErrors.inc({ component: event.component });
        return;
      case 'gateway.call-error':
        m.callErrors.inc({ stage: event.stage });
        return;
      case 'gateway.process-error':
        m.processErrors.inc({ kind: event.kind });
        return;
      case 'gateway.draining':
        m.draining.set(1);
        return;
      default:
        return;
    }
  }

  /** Calls whose media stats are still being tracked (for tests: it returns to 0 when calls end). */
  get trackedCalls(): number {
    return Math.max(this.#calls.size, this.#deltas.tracked);
  }

  close(): void {
    this.#process?.close();
    this.registry.clear();
    this.#calls.clear();
  }

  #observeMedia(callId: string, stats: MediaSessionStats, final: boolean): void {
    const m = this.#metric;
    const call = this.#calls.get(callId);
    if (call && !final) call.latest = stats;
    const grown = this.#deltas.next(callId, stats, final);
    for (const leg of legs) {
      const by = grown[leg];
      m.packets.inc({ leg, way: 'sent' }, by.packetsSent);
      m.packets.inc({ leg, way: 'received' }, by.packetsReceived);
      m.bytes.inc({ leg, way: 'sent' }, by.bytesSent);
      m.bytes.inc({ leg, way: 'received' }, by.bytesReceived);
      m.lost.inc({ leg }, by.packetsLost);
      observeQuality(m, leg, stats[leg]);
    }
  }
}

/** Quality figures mean something only once the leg has received media. */
function observeQuality(
  m: { jitter: Histogram<'leg'>; rtt: Histogram<'leg'>; mos: Histogram<'leg'> },
  leg: LegName,
  stats: LegStats,
): void {
  if (stats.packetsReceived === 0) return;
  m.jitter.observe({ leg }, stats.jitterMs / 1000);
  if (stats.rttMs !== undefined) m.rtt.observe({ leg }, stats.rttMs / 1000);
  if (stats.mos !== undefined) m.mos.observe({ leg }, stats.mos);
}
