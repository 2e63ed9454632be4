// Blind transfer by the phone, all real: sipp calls the gateway's trunk and is answered by the unmodified
// ConnectyCube SDK in headless Chromium; then sipp REFERs the app user to a target and checks the NOTIFYs'
// sipfrag bodies. The transferor echoes RTP (`-rtp_echo`), so the app hears its own 700 Hz while talking to
// it; the target is baresip (registered to Kamailio), playing 440 Hz, or a sipp that answers 486.
import type { EventOfType } from '@cubebridge/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { transfer } from '../../plugins/transfer/src/index.ts';
import type { SdkPage } from '../harness/browser/index.ts';
import type { BaresipPhone } from '../harness/sip/baresip.ts';
import { waitFor } from '../harness/sip/processes.ts';
import { runSipp, type SippRun, stopSipps } from '../harness/sip/sipp.ts';
import { appTone, type Bridge, phoneTone, startBridge } from './bridge.ts';

let bridge: Bridge;
let target: BaresipPhone;

beforeAll(async () => {
  bridge = await startBridge({
    trunk: true,
    rules: (users) => [{ name: 'front desk', match: { to: 'frontdesk' }, ring: [users.alice!] }],
    plugins: [transfer({ ringTimeoutSec: 20 })],
  });
  target = await bridge.phone('dave', 'auto');
}, 120_000);

afterEach(async () => {
  await stopSipps();
});

afterAll(async () => {
  await bridge?.close();
});

const transferEvents = (since: number) =>
  bridge.events
    .slice(since)
    .filter((event) => event.type.startsWith('call.transfer'))
    .map((event) => event.type);

/**
 * sipp calls the front desk, alice answers and hears her own tone back from sipp: the call has audio. A sipp
 * that gives up meanwhile fails the test with its own output.
 */
async function answeredBy(alice: SdkPage, transferor: SippRun): Promise<string> {
  const gaveUp = transferor.done.then((result) => {
    throw new Error(`sipp ended before the call was up (${result.code}):\n${result.output}`);
  });
  gaveUp.catch(() => undefined);
  const answered = (async () => {
    const call = await alice.waitForEvent('call', bridge.gatewayUserId);
    await alice.accept();
    await alice.waitForTone(bridge.gatewayUserId, appTone, { timeoutMs: 20_000 });
    return call.sessionId ?? '';
  })();
  return Promise.race([answered, gaveUp]);
}

/** The app's DTMF reaches sipp as SIP INFO: the scenario's signal to go on (REFER, or hang up). */
function signalSipp(alice: SdkPage, sessionID: string, digit: string): Promise<unknown> {
  return alice.sendSystemMessage(bridge.gatewayUserId, {
    type: 'dtmf',
    sessionID,
    digits: digit,
    durationMs: '100',
  });
}

describe('blind transfer asked by the phone (REFER to the gateway)', () => {
  it('the target answers: NOTIFY 100 then 200 to the transferor, BYE to it, the app hears the target', {
    timeout: 90_000,
  }, async () => {
    const alice = await bridge.page('alice');
    const since = bridge.events.length;
    const targetSince = target.events.length;
    const dave = `sip:dave@127.0.0.1:${bridge.kamailio.udpPort}`;
    const transferor = await runSipp({
      scenario: 'uac_refer_transfer.xml',
      remote: bridge.trunk!,
      service: 'frontdesk',
      rtpEcho: true,
      variables: { target: dave },
      timeoutSec: 60,
    });
    const sessionID = await answeredBy(alice, transferor);
    await signalSipp(alice, sessionID, '1');
    // sipp checks both NOTIFYs' sipfrag, Event and Subscription-State, and ends only on the gateway's BYE.
    const result = await transferor.done;
    expect(result.code, result.output).toBe(0);
    await target.waitEvent('CALL_ESTABLISHED', { since: targetSince });
    // Same app session, no re-answer: the target's tone now reaches the app.
    await alice.waitForTone(bridge.gatewayUserId, phoneTone, { timeoutMs: 20_000 });
    expect(transferEvents(since)).toEqual(['call.transfer-requested', 'call.transferred']);
    const transferred = bridge.events
      .slice(since)
      .find((event): event is EventOfType<'call.transferred'> => event.type === 'call.transferred');
    expect(transferred).toMatchObject({ target: dave, by: 'sip', party: { uri: dave } });
    expect(bridge.gateway.calls.size).toBe(1);
    // Talk for a moment, so the target's recording has the app's tone to find (as in bridged-calls.test.ts).
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await alice.hangUp();
    await target.waitEvent('CALL_CLOSED', { since: targetSince });
    await waitFor('the call to end', () => bridge.gateway.calls.size === 0);
    // And the app's tone reached the target.
    expect(await target.heardTone(appTone)).toBeGreaterThanOrEqual(5);
  });

  it('the target is busy: NOTIFY 486, the call with the transferor goes on with audio', {
    timeout: 90_000,
  }, async () => {
    const alice = await bridge.page('alice');
    const since = bridge.events.length;
    const busy = await runSipp({ scenario: 'uas_reject.xml', variables: { code: '486' } });
    const transferor = await runSipp({
      scenario: 'uac_refer_failed.xml',
      remote: bridge.trunk!,
      service: 'frontdesk',
      rtpEcho: true,
      variables: { target: `sip:busy@127.0.0.1:${busy.port}`, final: '486' },
      timeoutSec: 60,
    });
    const sessionID = await answeredBy(alice, transferor);
    await signalSipp(alice, sessionID, '1');
    const busyResult = await busy.done;
    expect(busyResult.code, busyResult.output).toBe(0);
    await waitFor('the media renegotiated with the transferor', () =>
      bridge.logs().includes('media renegotiated with the transferor'),
    );
    expect(transferEvents(since)).toEqual(['call.transfer-requested', 'call.transfer-failed']);
    expect(bridge.gateway.calls.size).toBe(1);
    await alice.waitForTone(bridge.gatewayUserId, appTone, { timeoutMs: 20_000 });
    await signalSipp(alice, sessionID, '2');
    const result = await transferor.done;
    expect(result.code, result.output).toBe(0);
    await waitFor('the call to end', () => bridge.gateway.calls.size === 0);
    const ended = bridge.events.filter((event) => event.type === 'call.ended').at(-1);
    expect(ended).toMatchObject({ by: 'sip', answered: true });
  });
});

describe('blind transfer asked by the app user (REFER to the phone)', () => {
  it('the phone gets REFER to the routed target; its NOTIFY 200 ends the call and the app is told', async () => {
    const alice = await bridge.page('alice');
    const since = bridge.events.length;
    const to = 'sip:2001@127.0.0.1:5999';
    const phone = await runSipp({
      scenario: 'uac_transferred.xml',
      remote: bridge.trunk!,
      service: 'frontdesk',
      rtpEcho: true,
      variables: { target: to },
    });
    const sessionID = await answeredBy(alice, phone);
    await alice.sendSystemMessage(bridge.gatewayUserId, { type: 'transfer', sessionID, to });
    // sipp checks the REFER's Refer-To, answers 202, reports 100 then 200 by NOTIFY, and ends on our BYE.
    const result = await phone.done;
    expect(result.code, result.output).toBe(0);
    const status = await alice.waitForEvent('system', bridge.gatewayUserId);
    expect(status.extension).toEqual({ type: 'transfer-status', sessionID, to, state: 'succeeded' });
    await alice.waitForEvent('stop', bridge.gatewayUserId);
    await waitFor('the call to end', () => bridge.gateway.calls.size === 0);
    expect(transferEvents(since)).toEqual(['call.transfer-requested', 'call.transferred']);
    expect(bridge.events.filter((event) => event.type === 'call.ended').at(-1)).toMatchObject({
      reason: 'normal',
      by: 'gateway',
      detail: 'transferred',
    });
  });
});
