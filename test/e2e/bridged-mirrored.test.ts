// Mirrored identities, all real: SIP phone bob has his own ConnectyCube user (dave). App users call dave as
// they would any user and bob's phone rings; when bob calls an app user, the app sees the call from dave.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BaresipPhone } from '../harness/sip/baresip.ts';
import { waitFor } from '../harness/sip/processes.ts';
import { type Bridge, phoneTone, startBridge } from './bridge.ts';

let bridge: Bridge;
let phone: BaresipPhone;
let daveId: number;

beforeAll(async () => {
  bridge = await startBridge({
    identity: 'mirrored',
    rules: (users) => [{ name: 'front desk', match: { to: 'gateway' }, ring: [users.alice!] }],
  });
  daveId = bridge.sandbox.users.find((user) => user.login === 'dave')?.id as number;
  phone = await bridge.phone('bob');
}, 120_000);

afterAll(async () => {
  await bridge?.close();
});

describe('mirrored identities', () => {
  it('an app user calls dave (bob’s mirror): bob’s phone rings, answers, audio arrives, the app hangs up', async () => {
    const alice = await bridge.page('alice');
    const phoneSince = phone.events.length;
    await alice.call(daveId, 'audio');
    await phone.waitEvent('CALL_INCOMING', { since: phoneSince });
    await phone.command('accept');
    await alice.waitForEvent('accept', daveId);
    await alice.waitForTone(daveId, phoneTone, { timeoutMs: 20_000 });
    await alice.hangUp();
    await phone.waitEvent('CALL_CLOSED', { since: phoneSince });
    await waitFor('the call to end', () => bridge.gateway.calls.size === 0);
  });

  it('bob calls the front desk: the app sees the call from dave, not from the gateway', async () => {
    const alice = await bridge.page('alice');
    const phoneSince = phone.events.length;
    await phone.command('dial', `sip:gateway@127.0.0.1:${bridge.kamailio.udpPort}`);
    const ringing = await alice.waitForEvent('call');
    expect(ringing.userId).toBe(daveId);
    await alice.accept();
    await phone.waitEvent('CALL_ESTABLISHED', { since: phoneSince });
    await alice.waitForTone(daveId, phoneTone, { timeoutMs: 20_000 });
    await phone.command('hangup');
    await alice.waitForEvent('stop', daveId);
    await waitFor('the call to end', () => bridge.gateway.calls.size === 0);
    const ended = bridge.events.filter((event) => event.type === 'call.ended').at(-1);
    expect(ended).toMatchObject({ reason: 'normal', by: 'sip', answered: true });
  });
});
