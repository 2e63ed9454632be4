// The mission's heart, all real: baresip registered to Kamailio ⇄ CubeBridge (sip.js adapter, werift relay,
// ConnectyCube adapter, routing plugin) ⇄ the unmodified ConnectyCube SDK in headless Chromium, through the
// local sandbox. Audio is proven both ways by tone detection: the phone plays 440 Hz (detected in the
// browser's WebAudio), the browser's fake microphone 700 Hz (detected in baresip's recording).
import type { EventOfType } from '@cubebridge/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SdkPage } from '../harness/browser/index.ts';
import type { BaresipPhone } from '../harness/sip/baresip.ts';
import { waitFor } from '../harness/sip/processes.ts';
import { appTone, type Bridge, phoneTone, startBridge } from './bridge.ts';

let bridge: Bridge;
let phone: BaresipPhone;

beforeAll(async () => {
  bridge = await startBridge({
    // The gateway holds three extensions at Kamailio; the routing plugin decides by the dialled one.
    extensions: ['gateway', 'sales', 'support', 'unrouted'],
    rules: (users) => [
      { name: 'front desk', match: { to: 'gateway' }, ring: [users.alice!] },
      { name: 'sales, nobody home', match: { to: 'sales' }, ring: [users.bob!], ringTimeoutSec: 3 },
      { name: 'support hunt group', match: { to: 'support' }, ring: [users.alice!, users.bob!] },
    ],
  });
  phone = await bridge.phone('bob');
}, 120_000);

afterAll(async () => {
  if (process.env.CUBEBRIDGE_E2E_LOG)
    (await import('node:fs')).writeFileSync(process.env.CUBEBRIDGE_E2E_LOG, bridge?.logs() ?? '');
  await bridge?.close();
});

function callEvents(since: number): string[] {
  return bridge.events
    .slice(since)
    .map((event) => event.type)
    .filter(
      (type) =>
        type.startsWith('call.') &&
        type !== 'call.state' &&
        type !== 'call.media-stats' &&
        type !== 'call.dtmf',
    );
}

function lastEnded(): EventOfType<'call.ended'> | undefined {
  return bridge.events
    .filter((event): event is EventOfType<'call.ended'> => event.type === 'call.ended')
    .at(-1);
}

/** What the phone heard of the app's tone, once its recording (written after the call) stops growing. */
const phoneHeardAppTone = () => phone.heardTone(appTone);

const phoneTarget = () => `sip:bob@127.0.0.1:${bridge.kamailio.udpPort}`;
const gatewayTarget = (user = 'gateway') => `sip:${user}@127.0.0.1:${bridge.kamailio.udpPort}`;

const everyCallEnded = () => waitFor('the call to end', () => bridge.gateway.calls.size === 0);

/** The phone dials the front desk and `app` answers: the call is established and the app hears the phone's tone. */
async function phoneCallAnsweredBy(
  app: SdkPage,
  phoneSince: number,
  { ringsFirst = false } = {},
): Promise<void> {
  await phone.command('dial', gatewayTarget());
  await app.waitForEvent('call', bridge.gatewayUserId);
  if (ringsFirst) await phone.waitEvent('CALL_RINGING', { since: phoneSince });
  await app.accept();
  await phone.waitEvent('CALL_ESTABLISHED', { since: phoneSince });
  await app.waitForTone(bridge.gatewayUserId, phoneTone, { timeoutMs: 20_000 });
}

/** An answered call that ended normally, by `by`: the gateway's events in order, and the app's tone heard by the phone. */
async function expectAnsweredCallEnded(since: number, by: 'platform' | 'sip'): Promise<void> {
  await everyCallEnded();
  expect(callEvents(since)).toEqual([
    'call.created',
    'call.routed',
    'call.ringing',
    'call.answered',
    'call.ended',
  ]);
  expect(lastEnded()).toMatchObject({ reason: 'normal', by, answered: true });
  expect(await phoneHeardAppTone()).toBeGreaterThanOrEqual(5);
}

describe('SIP phone → ConnectyCube app', () => {
  it('rings the app (180 to the phone), the app answers, audio flows both ways, the app hangs up', async () => {
    const alice = await bridge.page('alice');
    const since = bridge.events.length;
    const phoneSince = phone.events.length;
    await phoneCallAnsweredBy(alice, phoneSince, { ringsFirst: true });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await alice.hangUp();
    await phone.waitEvent('CALL_CLOSED', { since: phoneSince });
    await expectAnsweredCallEnded(since, 'platform');
  });

  it('the phone hangs up: the app is told to stop', async () => {
    const alice = await bridge.page('alice');
    const phoneSince = phone.events.length;
    await phoneCallAnsweredBy(alice, phoneSince);
    await phone.command('hangup');
    await alice.waitForEvent('stop', bridge.gatewayUserId);
    await everyCallEnded();
    expect(lastEnded()).toMatchObject({ reason: 'normal', by: 'sip', answered: true });
  });

  it('the phone cancels while the app rings: the app is told to stop, the call ends as cancelled', async () => {
    const alice = await bridge.page('alice');
    const phoneSince = phone.events.length;
    await phone.command('dial', gatewayTarget());
    await alice.waitForEvent('call', bridge.gatewayUserId);
    await phone.waitEvent('CALL_RINGING', { since: phoneSince });
    await phone.command('hangup');
    await alice.waitForEvent('stop', bridge.gatewayUserId);
    await everyCallEnded();
    expect(lastEnded()).toMatchObject({ reason: 'cancelled', by: 'sip', answered: false });
  });

  it('the app rejects: the phone gets 603 Decline', async () => {
    const alice = await bridge.page('alice');
    const phoneSince = phone.events.length;
    await phone.command('dial', gatewayTarget());
    await alice.waitForEvent('call', bridge.gatewayUserId);
    await alice.reject();
    const closed = await phone.waitEvent('CALL_CLOSED', { since: phoneSince });
    expect(closed.param).toMatch(/603/);
    await everyCallEnded();
    expect(lastEnded()).toMatchObject({ reason: 'declined', by: 'platform', answered: false });
  });

  it('nobody answers in time: the phone gets 480', { timeout: 60_000 }, async () => {
    const bob = await bridge.page('bob');
    const phoneSince = phone.events.length;
    await phone.command('dial', gatewayTarget('sales'));
    await bob.waitForEvent('call', bridge.gatewayUserId);
    const closed = await phone.waitEvent('CALL_CLOSED', { since: phoneSince, timeoutMs: 30_000 });
    expect(closed.param).toMatch(/480/);
    expect(lastEnded()).toMatchObject({ reason: 'no-answer', answered: false });
  });

  it('a number no rule knows gets 404', async () => {
    const phoneSince = phone.events.length;
    await phone.command('dial', gatewayTarget('unrouted'));
    await waitFor('the call to end', () => lastEnded()?.reason === 'not-found');
    const closed = await phone.waitEvent('CALL_CLOSED', { since: phoneSince });
    expect(closed.param).toMatch(/404/);
  });
});

describe('hunt groups and DTMF', () => {
  it('a hunt group rings two app users; the second answers and the first is told to stop', async () => {
    const alice = await bridge.page('alice');
    const bob = await bridge.page('bob');
    const phoneSince = phone.events.length;
    await phone.command('dial', gatewayTarget('support'));
    await alice.waitForEvent('call', bridge.gatewayUserId);
    await bob.waitForEvent('call', bridge.gatewayUserId);
    await bob.accept();
    await phone.waitEvent('CALL_ESTABLISHED', { since: phoneSince });
    await alice.waitForEvent('stop', bridge.gatewayUserId);
    await bob.waitForTone(bridge.gatewayUserId, phoneTone, { timeoutMs: 20_000 });
    await phone.command('hangup');
    await bob.waitForEvent('stop', bridge.gatewayUserId);
    await everyCallEnded();
  });

  it('digits cross both ways: phone → app as a system message, app → phone as DTMF', async () => {
    const alice = await bridge.page('alice');
    const since = bridge.events.length;
    const phoneSince = phone.events.length;
    await phoneCallAnsweredBy(alice, phoneSince);

    await phone.command('sndcode', '5');
    const message = await alice.waitForEvent('system', bridge.gatewayUserId);
    expect(message.extension).toMatchObject({ type: 'dtmf', digits: '5' });

    const sessionID = message.extension?.sessionID ?? '';
    await alice.sendSystemMessage(bridge.gatewayUserId, {
      type: 'dtmf',
      sessionID,
      digits: '7',
      durationMs: '120',
    });
    const heard = await phone.waitEvent('CALL_DTMF_START', { since: phoneSince });
    expect(heard.param).toBe('7');
    const dtmf = bridge.events.slice(since).filter((event) => event.type === 'call.dtmf');
    expect(dtmf.map((event) => [event.digit, event.from])).toEqual([
      ['5', 'sip'],
      ['7', 'platform'],
    ]);
    await alice.hangUp();
    await phone.waitEvent('CALL_CLOSED', { since: phoneSince });
    await everyCallEnded();
  });
});

describe('ConnectyCube app → SIP phone', () => {
  it('the app calls the gateway with the SIP target in userInfo; the phone answers; audio both ways; the phone hangs up', async () => {
    const alice = await bridge.page('alice');
    const since = bridge.events.length;
    const phoneSince = phone.events.length;
    await alice.call(bridge.gatewayUserId, 'audio', { to: phoneTarget() });
    await phone.waitEvent('CALL_INCOMING', { since: phoneSince });
    await phone.command('accept');
    await alice.waitForEvent('accept', bridge.gatewayUserId);
    await alice.waitForTone(bridge.gatewayUserId, phoneTone, { timeoutMs: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await phone.command('hangup');
    await alice.waitForEvent('stop', bridge.gatewayUserId);
    await expectAnsweredCallEnded(since, 'sip');
  });

  it('the phone declines: the app sees the call rejected', async () => {
    const alice = await bridge.page('alice');
    const phoneSince = phone.events.length;
    await alice.call(bridge.gatewayUserId, 'audio', { to: phoneTarget() });
    await phone.waitEvent('CALL_INCOMING', { since: phoneSince });
    await phone.command('hangup');
    await alice.waitForEvent('reject', bridge.gatewayUserId);
    await everyCallEnded();
    expect(lastEnded()).toMatchObject({ by: 'sip', answered: false });
  });
});
