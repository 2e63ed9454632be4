// The plugin inside a real gateway whose ports are the core's in-memory doubles: the test drives calls and
// media reports exactly, then reads what Prometheus would scrape from the gateway's own HTTP server.
import {
  createGateway,
  definePlugin,
  type LegStats,
  type MediaSessionStats,
  type RouteDestination,
} from '@cubebridge/core';
import { afterEach, describe, expect, it } from 'vitest';
import { inMemoryPorts } from '../../../core/test/doubles/InMemoryPorts.ts';
import { capturingLogger, waitFor } from '../../../core/test/support.ts';
import { metrics } from '../src/index.ts';

const routeTo = (destination: RouteDestination) =>
  definePlugin({
    name: 'test-router',
    setup: (ctx) => void ctx.hooks.route.register(() => ({ destination })),
  });

function leg(packets: number, extra: Partial<LegStats> = {}): LegStats {
  return {
    packetsSent: packets,
    packetsReceived: packets,
    bytesSent: packets * 160,
    bytesReceived: packets * 160,
    lossFraction: 0,
    packetsLost: 0,
    jitterMs: 4,
    rttMs: 30,
    mos: 4.3,
    codec: 'PCMU',
    ...extra,
  };
}

/** `name{a="1",b="2"}` → its name and labels. */
function parseSeries(series: string): { name: string; labels: Map<string, string> } {
  const brace = series.indexOf('{');
  if (brace < 0) return { name: series, labels: new Map() };
  const labels = new Map(
    [...series.slice(brace).matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1]!, match[2]!] as const),
  );
  return { name: series.slice(0, brace), labels };
}

function sameSeries(a: ReturnType<typeof parseSeries>, b: ReturnType<typeof parseSeries>): boolean {
  return (
    a.name === b.name &&
    a.labels.size === b.labels.size &&
    [...a.labels].every(([key, value]) => b.labels.get(key) === value)
  );
}

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function gatewayWithMetrics(options: Parameters<typeof metrics>[0] = {}) {
  const ports = inMemoryPorts();
  const gateway = await createGateway({
    logger: capturingLogger().logger,
    config: { http: { host: '127.0.0.1', port: 0 } },
    sip: ports.sip,
    media: ports.media,
    platform: ports.platform,
    plugins: [routeTo({ kind: 'platform', users: ['42'] }), metrics(options)],
  });
  await gateway.start();
  stops.push(() => gateway.stop());
  const get = async (path: string) => {
    const response = await fetch(`${gateway.http!.url}${path}`);
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: await response.text(),
    };
  };
  /** One sample's value from the exposition (labels in any order), or undefined when the series is absent. */
  const sample = async (series: string) => {
    const { body } = await get(options.path ?? '/metrics');
    const wanted = parseSeries(series);
    const line = body
      .split('\n')
      .filter((text) => text && !text.startsWith('#'))
      .find((text) => sameSeries(parseSeries(text.slice(0, text.lastIndexOf(' '))), wanted));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  return { gateway, ports, get, sample };
}

describe('@cubebridge/plugin-metrics in a gateway', () => {
  it('counts an answered call, its media, quality and DTMF, and shows it active while it lasts', async () => {
    const { gateway, ports, get, sample } = await gatewayWithMetrics({ callsPath: '/calls' });
    const incoming = ports.sip.receive('sip:100@pbx', 'sip:200@pbx');
    await waitFor(() => ports.platform.placed.length === 1);
    const app = ports.platform.placed[0]!.leg;
    app.remote$.answers();
    await waitFor(() => incoming.leg?.actions.includes('answer') ?? false);

    const media = ports.media.sessions[0]!;
    const report = (stats: MediaSessionStats, final = false) =>
      media.events.next({ type: 'stats', stats, final });
    report({ sip: leg(250), webrtc: leg(240) });
    incoming.leg!.remote$.sendsDtmf('5');
    await waitFor(() => app.actions.includes('dtmf:5'));

    expect(await sample('cubebridge_calls_active{direction="sip-to-platform",state="active"}')).toBe(1);
    expect(await sample('cubebridge_media_packets_total{leg="sip",way="received"}')).toBe(250);
    const calls = JSON.parse((await get('/calls')).body) as { calls: Array<Record<string, unknown>> };
    expect(calls.calls).toMatchObject([
      {
        direction: 'sip-to-platform',
        state: 'active',
        from: { uri: 'sip:100@pbx' },
        media: { sip: { packetsReceived: 250 } },
      },
    ]);

    report({ sip: leg(500, { packetsLost: 7 }), webrtc: leg(490) }, true);
    app.remote$.hangsUp();
    await waitFor(() => gateway.calls.size === 0);

    const scrape = await get('/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await sample('cubebridge_calls_started_total{direction="sip-to-platform"}')).toBe(1);
    expect(
      await sample(
        'cubebridge_calls_ended_total{direction="sip-to-platform",reason="normal",answered="true"}',
      ),
    ).toBe(1);
    expect(
      await sample('cubebridge_calls_active{direction="sip-to-platform",state="active"}'),
    ).toBeUndefined();
    expect(await sample('cubebridge_media_packets_total{leg="sip",way="received"}')).toBe(500);
    expect(await sample('cubebridge_media_packets_total{leg="webrtc",way="sent"}')).toBe(490);
    expect(await sample('cubebridge_media_bytes_total{leg="sip",way="received"}')).toBe(500 * 160);
    expect(await sample('cubebridge_media_packets_lost_total{leg="sip"}')).toBe(7);
    expect(await sample('cubebridge_media_jitter_seconds_count{leg="sip"}')).toBe(2);
    expect(await sample('cubebridge_media_jitter_seconds_bucket{leg="sip",le="0.005"}')).toBe(2);
    expect(await sample('cubebridge_media_jitter_seconds_bucket{leg="sip",le="0.0025"}')).toBe(0);
    expect(await sample('cubebridge_media_mos_bucket{leg="webrtc",le="4.4"}')).toBe(2);
    expect(await sample('cubebridge_media_rtt_seconds_sum{leg="sip"}')).toBeCloseTo(0.06);
    expect(await sample('cubebridge_dtmf_digits_total{from="sip",via="sip-info"}')).toBe(1);
    expect(await sample('cubebridge_call_setup_seconds_count{direction="sip-to-platform"}')).toBe(1);
    expect(await sample('cubebridge_call_duration_seconds_count{direction="sip-to-platform"}')).toBe(1);
    expect(await sample('cubebridge_process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    expect(await sample('cubebridge_process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(await sample('cubebridge_draining')).toBe(0);
    expect((await get('/calls')).body).toBe('{"calls":[]}');
  });

  it('labels refusals and unanswered calls by reason, and registration and platform state by name', async () => {
    const { gateway, ports, sample } = await gatewayWithMetrics({
      labels: { gateway: 'office-1' },
      prefix: 'cb_',
    });
    ports.sip.receive('sip:100@pbx', 'sip:200@pbx');
    await waitFor(() => ports.platform.placed.length === 1);
    ports.platform.placed[0]!.leg.remote$.hangsUp('busy');
    await waitFor(() => gateway.calls.size === 0);
    expect(
      await sample(
        'cb_calls_ended_total{direction="sip-to-platform",reason="busy",answered="false",gateway="office-1"}',
      ),
    ).toBe(1);
    expect(
      await sample('cb_call_duration_seconds_count{direction="sip-to-platform",gateway="office-1"}'),
    ).toBeUndefined();
  });

  it('counts a call whose handling failed by stage, and exceptions that reached the process by kind', async () => {
    const { gateway, ports, sample } = await gatewayWithMetrics();
    const incoming = ports.sip.receive('sip:100@pbx', 'sip:200@pbx');
    await waitFor(() => ports.platform.placed.length === 1 && !!incoming.leg);
    incoming.leg!.answer = () => {
      throw new Error('phone leg exploded');
    };
    ports.platform.placed[0]!.leg.remote$.answers();
    await waitFor(() => gateway.calls.size === 0);
    expect(await sample('cubebridge_call_errors_total{stage="leg-answered"}')).toBe(1);
    gateway.emit({ type: 'gateway.process-error', kind: 'uncaught-exception', error: 'boom' });
    expect(await sample('cubebridge_process_errors_total{kind="uncaught-exception"}')).toBe(1);
  });

  it('refuses to start without the HTTP server, saying why', async () => {
    const ports = inMemoryPorts();
    const gateway = await createGateway({
      logger: capturingLogger().logger,
      config: { http: { enabled: false } },
      media: ports.media,
      plugins: [metrics()],
    });
    await expect(gateway.start()).rejects.toThrow(
      "Plugin '@cubebridge/plugin-metrics': setup failed: Plugin '@cubebridge/plugin-metrics': needs the HTTP server, which is disabled (http.enabled: false)",
    );
  });

  it('rejects bad options with the key and what is allowed', async () => {
    const gateway = await createGateway({
      logger: capturingLogger().logger,
      config: { http: { host: '127.0.0.1', port: 0 } },
      plugins: [metrics({ path: 'metrics' })],
    });
    await expect(gateway.start()).rejects.toThrow(/path.*must be an HTTP path/s);
  });
});
