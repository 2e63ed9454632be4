// An ended call is released by the real adapters too, not merely closed: sipp calls the gateway's trunk, the
// unmodified SDK in headless Chromium answers (or rings while sipp gives up), and after the call a full GC must
// have cleared the WeakRefs to the core's `Call` and to its werift media session — although sip.js keeps the
// INVITE's server transaction (and the session in it) for another 32 s (Timer L/H).
import type { Call, MediaSession } from '@cubebridge/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stillAlive } from '../../core/test/collectGarbage.ts';
import { waitFor } from '../harness/sip/processes.ts';
import { runSipp, stopSipps } from '../harness/sip/sipp.ts';
import { type Bridge, startBridge } from './bridge.ts';

let bridge: Bridge;
/** Weak references to every call the gateway took, and to its media session once it has one. */
const refs: Record<string, WeakRef<object>> = {};

beforeAll(async () => {
  bridge = await startBridge({
    trunk: true,
    rules: (users) => [{ name: 'front desk', match: { to: 'frontdesk' }, ring: [users.alice!] }],
  });
  bridge.gateway.events$.subscribe((event) => {
    if (!('callId' in event) || event.callId === undefined) return;
    const call: Call | undefined = bridge.gateway.calls.get(event.callId);
    if (!call) return;
    refs[`call ${call.id}`] ??= new WeakRef(call);
    const media: MediaSession | undefined = call.media;
    if (media) refs[`media of ${call.id}`] ??= new WeakRef(media);
  });
}, 120_000);

afterEach(async () => {
  await stopSipps();
  for (const key of Object.keys(refs)) delete refs[key];
});

afterAll(async () => {
  await bridge?.close();
});

const trunk = () => bridge.trunk ?? '';
/**
 * Up to 3 s: the adapters finish their own teardown (the app's `hangUp` being sent, ICE and DTLS closing) in
 * the background. What was kept before — by sip.js's INVITE transaction for 32 s, or for ever — stays alive.
 */
const released = { rounds: 30, pauseMs: 100 };

describe('an ended call is garbage-collected (real adapters)', () => {
  it('an answered call with media, hung up by the phone', async () => {
    const alice = await bridge.page('alice');
    const sipp = await runSipp({
      scenario: 'uac_call.xml',
      remote: trunk(),
      service: 'frontdesk',
      rtpEcho: true,
    });
    await alice.waitForEvent('call', bridge.gatewayUserId);
    await alice.accept();
    expect((await sipp.done).code).toBe(0);
    await waitFor('the call to end', () => bridge.gateway.calls.size === 0);
    expect(Object.keys(refs).sort()).toEqual([
      expect.stringMatching(/^call /),
      expect.stringMatching(/^media /),
    ]);
    expect(await stillAlive(refs, released)).toEqual([]);
    await alice.close();
  });

  it('a call refused with 404 (no route)', async () => {
    const sipp = await runSipp({
      scenario: 'uac_rejected.xml',
      remote: trunk(),
      service: 'nobody',
      variables: { code: '404' },
    });
    const done = await sipp.done;
    expect(done.code, done.output).toBe(0);
    await waitFor('the calls to end', () => bridge.gateway.calls.size === 0);
    expect(Object.keys(refs).filter((key) => key.startsWith('call '))).toHaveLength(1);
    expect(await stillAlive(refs, released)).toEqual([]);
  });

  it('a call the phone cancels while the app rings', async () => {
    const alice = await bridge.page('alice');
    const sipp = await runSipp({ scenario: 'uac_cancelled.xml', remote: trunk(), service: 'frontdesk' });
    await alice.waitForEvent('call', bridge.gatewayUserId);
    expect((await sipp.done).code).toBe(0);
    await alice.waitForEvent('stop', bridge.gatewayUserId);
    await waitFor('the call to end', () => bridge.gateway.calls.size === 0);
    expect(Object.keys(refs).filter((key) => key.startsWith('call '))).toHaveLength(1);
    expect(await stillAlive(refs, released)).toEqual([]);
    await alice.close();
  });
});
