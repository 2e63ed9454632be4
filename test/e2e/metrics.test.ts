// The metrics plugin on the real bridge: a phone (baresip via Kamailio) calls an app user (the SDK in
// Chromium); while the call is up it is listed with live media figures, and after it ends Prometheus sees the
// call, the packets each leg carried, their quality, and the registration and chat connection that served it.
import type { EventOfType } from '@cubebridge/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metrics } from '../../plugins/metrics/src/index.ts';
import type { BaresipPhone } from '../harness/sip/baresip.ts';
import { waitFor } from '../harness/sip/processes.ts';
import { type Bridge, phoneTone, startBridge } from './bridge.ts';

let bridge: Bridge;
let phone: BaresipPhone;

beforeAll(async () => {
  bridge = await startBridge({
    http: true,
    plugins: [metrics({ callsPath: '/calls' })],
    rules: (users) => [{ name: 'front desk', match: { to: 'gateway' }, ring: [users.alice!] }],
  });
  phone = await bridge.phone('bob');
}, 120_000);

afterAll(async () => {
  await bridge?.close();
});

async function get(path: string): Promise<string> {
  const response = await fetch(`${bridge.gateway.http!.url}${path}`);
  expect(response.status).toBe(200);
  return response.text();
}

/** The value of the one sample of `name` whose labels include `labels`; undefined if none. */
async function sample(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const body = await get('/metrics');
  for (const line of body.split('\n')) {
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = new Map([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (Object.entries(labels).every(([key, value]) => found.get(key) === value)) return Number(match[3]);
  }
  return undefined;
}

describe('metrics of a real bridged call', () => {
  it('lists the call while it is up, then counts it, its media and its quality', async () => {
    expect(await sample('cubebridge_registration_up', { account: 'gateway' })).toBe(1);
    expect(await sample('cubebridge_platform_connected')).toBe(1);

    const alice = await bridge.page('alice');
    const phoneSince = phone.events.length;
    await phone.command('dial', `sip:gateway@127.0.0.1:${bridge.kamailio.udpPort}`);
    await alice.waitForEvent('call', bridge.gatewayUserId);
    await alice.accept();
    await phone.waitEvent('CALL_ESTABLISHED', { since: phoneSince });
    await alice.waitForTone(bridge.gatewayUserId, phoneTone, { timeoutMs: 20_000 });

    expect(await sample('cubebridge_calls_active', { direction: 'sip-to-platform', state: 'active' })).toBe(
      1,
    );
    const live = JSON.parse(await get('/calls')) as { calls: Array<{ state: string; to: { uri: string } }> };
    expect(live.calls).toHaveLength(1);
    expect(live.calls[0]).toMatchObject({ state: 'active', to: { uri: expect.stringContaining('gateway') } });
    // Keep the call up until media has flowed both ways for a while (the relay's own counters say so).
    const media = () => bridge.gateway.calls.list()[0]?.media?.stats();
    await waitFor('a second of audio each way', () => {
      const stats = media();
      return !!stats && Math.min(stats.sip.packetsSent, stats.webrtc.packetsSent) > 60;
    });

    await alice.hangUp();
    await phone.waitEvent('CALL_CLOSED', { since: phoneSince });
    await waitFor('the call to end', () => bridge.gateway.calls.size === 0);

    expect(
      await sample('cubebridge_calls_ended_total', {
        direction: 'sip-to-platform',
        reason: 'normal',
        answered: 'true',
      }),
    ).toBe(1);
    expect(await sample('cubebridge_calls_active', { direction: 'sip-to-platform' })).toBeUndefined();
    expect(await sample('cubebridge_call_setup_seconds_count', { direction: 'sip-to-platform' })).toBe(1);
    // The counters hold exactly what the relay reported for the call at its end, and that was real traffic.
    const final = bridge.events.findLast(
      (event): event is EventOfType<'call.media-stats'> => event.type === 'call.media-stats' && event.final,
    );
    expect(final, 'the final media stats of the call').toBeDefined();
    for (const leg of ['sip', 'webrtc'] as const) {
      const stats = final!.stats[leg];
      expect(stats.packetsReceived, `${leg} received`).toBeGreaterThan(50);
      expect(stats.packetsSent, `${leg} sent`).toBeGreaterThan(50);
      expect(await sample('cubebridge_media_packets_total', { leg, way: 'received' })).toBe(
        stats.packetsReceived,
      );
      expect(await sample('cubebridge_media_packets_total', { leg, way: 'sent' })).toBe(stats.packetsSent);
      expect(await sample('cubebridge_media_bytes_total', { leg, way: 'sent' })).toBe(stats.bytesSent);
    }
    expect(await sample('cubebridge_media_jitter_seconds_count', { leg: 'sip' })).toBeGreaterThan(0);
    expect(await sample('cubebridge_media_mos_count', { leg: 'sip' })).toBeGreaterThan(0);
    expect(await sample('cubebridge_media_packets_lost_total', { leg: 'sip' })).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(await get('/calls'))).toEqual({ calls: [] });
  });
});
