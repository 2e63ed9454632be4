// Calls through a real Kamailio with baresip phones, both directions, over UDP and WebSocket: ringing,
// answer, BYE from either side, CANCEL, hold/resume from the phone, failure codes; RTP proven both ways
// by tone detection (the phone plays 440 Hz, the gateway's test peer 1000 Hz).
import type { IncomingSipCall, LegEvent, SipLeg } from '@cubebridge/core';
import { firstValueFrom, timeout } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BaresipPhone, startBaresipPhone } from '../../../test/harness/sip/baresip.ts';
import { type Kamailio, startKamailio } from '../../../test/harness/sip/kamailio.ts';
import { waitFor } from '../../../test/harness/sip/processes.ts';
import { RtpTestPeer } from '../../../test/harness/sip/RtpTestPeer.ts';
import { sipAdapter } from '../src/index.ts';
import { asSipEndpoint, legEvents, recordingContext, type RecordingContext } from './support.ts';

const phoneTone = 440;

/**
 * Event types in order, without the provisional ones: `ringing` (whose 180 may arrive after the 200 through a
 * proxy) and `early-media` (baresip sends its 180/183 with or without SDP depending on timing).
 */
function withoutRinging(events: readonly LegEvent[]): string[] {
  return events.map((event) => event.type).filter((type) => type !== 'ringing' && type !== 'early-media');
}
const gatewayTone = 1000;

describe('calls between the gateway and baresip through Kamailio', () => {
  let kamailio: Kamailio;
  let carol: BaresipPhone; // calls the gateway; answers nothing by itself
  let bob: BaresipPhone; // answers the gateway's calls at once
  let recorder: RecordingContext;
  let adapter: ReturnType<typeof sipAdapter>;
  const peers: RtpTestPeer[] = [];

  beforeAll(async () => {
    kamailio = await startKamailio({ auth: true });
    carol = await startBaresipPhone({
      name: 'carol',
      registrarPort: kamailio.udpPort,
      toneHz: phoneTone,
      answer: 'manual',
    });
    bob = await startBaresipPhone({
      name: 'bob',
      registrarPort: kamailio.udpPort,
      toneHz: phoneTone,
      answer: 'auto',
    });
    recorder = recordingContext();
    adapter = sipAdapter({
      accounts: [
        {
          aor: 'sip:alice@127.0.0.1',
          registrar: `sip:127.0.0.1:${kamailio.udpPort}`,
          password: 'secret',
          transport: { kind: 'udp' },
        },
        { aor: 'sip:walt@127.0.0.1', password: 'secret', transport: { kind: 'ws', server: kamailio.wsUrl } },
        {
          aor: 'sip:tina@127.0.0.1',
          registrar: `sip:127.0.0.1:${kamailio.udpPort}`,
          password: 'secret',
          transport: { kind: 'tcp' },
        },
      ],
    });
    await adapter.start(recorder.context);
    await waitFor('both accounts registered', () => {
      const accounts = recorder.events.flatMap((event) =>
        event.type === 'registration.registered' ? [event.account] : [],
      );
      return accounts.includes('alice') && accounts.includes('walt') && accounts.includes('tina');
    });
  });

  afterEach(() => {
    for (const peer of peers.splice(0)) peer.close();
  });

  afterAll(async () => {
    await adapter?.stop();
    await carol?.close();
    await bob?.close();
    await kamailio?.close();
  });

  async function openPeer(): Promise<RtpTestPeer> {
    const peer = await RtpTestPeer.open({ toneHz: gatewayTone });
    peers.push(peer);
    return peer;
  }

  function nextIncoming(): Promise<IncomingSipCall> {
    return firstValueFrom(adapter.incoming$.pipe(timeout(15_000)));
  }

  const phoneHeardGatewayTone = (phone: BaresipPhone) => phone.heardTone(gatewayTone);

  const transports = { alice: 'UDP', walt: 'WebSocket', tina: 'TCP' } as const;
  for (const account of ['alice', 'walt', 'tina'] as const) {
    const transport = transports[account];
    it(`takes a call from baresip over ${transport}: rings, answers, RTP both ways, ${account === 'walt' ? 'BYE from the gateway' : 'BYE from the phone'}`, async () => {
      const peer = await openPeer();
      const incoming = nextIncoming();
      const since = carol.events.length;
      await carol.command('dial', `sip:${account}@127.0.0.1:${kamailio.udpPort}`);
      const call = await incoming;
      expect(call.via).toEqual({ kind: 'account', name: account });
      expect(call.from.uri).toContain('sip:carol@');
      expect(call.offered).toEqual({ audio: true, video: false });
      const leg = await call.accept(asSipEndpoint(peer));
      const events = legEvents(leg);
      await leg.ring();
      await carol.waitEvent('CALL_RINGING', { since });
      await leg.answer();
      await carol.waitEvent('CALL_ESTABLISHED', { since });
      await peer.waitForTone(phoneTone);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      if (account === 'walt') await leg.hangup('normal');
      else await carol.command('hangup');
      await carol.waitEvent('CALL_CLOSED', { since });
      await waitFor('the leg to end', () => leg.closed);
      expect(events.map((event) => event.type)).toEqual(['answered', 'ended']);
      expect(events.at(-1)).toMatchObject({ reason: 'normal', by: account === 'walt' ? 'local' : 'remote' });
      expect(await phoneHeardGatewayTone(carol)).toBeGreaterThanOrEqual(5);
    });
  }

  async function callBob(
    callId: string,
    peer: RtpTestPeer,
    account = 'alice',
  ): Promise<{ leg: SipLeg; events: LegEvent[] }> {
    const leg = await adapter.call({
      callId,
      to: `sip:bob@127.0.0.1:${kamailio.udpPort}`,
      account,
      media: asSipEndpoint(peer),
      kinds: { audio: true, video: false },
    });
    const events = legEvents(leg);
    await waitFor('answered', () => events.some((event) => event.type === 'answered'));
    return { leg, events };
  }

  it('calls baresip over UDP: answered, RTP both ways, BYE from the phone', async () => {
    const peer = await openPeer();
    const since = bob.events.length;
    const { leg, events } = await callBob('outbound-1', peer);
    expect(leg.direction).toBe('outbound');
    await peer.waitForTone(phoneTone);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await bob.command('hangup');
    await bob.waitEvent('CALL_CLOSED', { since });
    await waitFor('the leg to end', () => leg.closed);
    // baresip sends 180 and 200 together and Kamailio's workers may reorder them; a late 180 is dropped.
    expect(withoutRinging(events)).toEqual(['answered', 'ended']);
    expect(events.at(-1)).toMatchObject({ reason: 'normal', by: 'remote' });
    expect(await phoneHeardGatewayTone(bob)).toBeGreaterThanOrEqual(5);
  });

  for (const account of ['walt', 'tina'] as const) {
    it(`calls baresip from the ${transports[account]} account: RTP both ways, BYE from the gateway`, async () => {
      const peer = await openPeer();
      const since = bob.events.length;
      const { leg, events } = await callBob(`outbound-${account}`, peer, account);
      await peer.waitForTone(phoneTone);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await leg.hangup('normal');
      await bob.waitEvent('CALL_CLOSED', { since });
      // baresip sends 180 and 200 together and Kamailio's workers may reorder them; a late 180 is dropped.
      expect(withoutRinging(events)).toEqual(['answered', 'ended']);
      expect(await phoneHeardGatewayTone(bob)).toBeGreaterThanOrEqual(5);
    });
  }

  it('follows hold and resume from the phone (re-INVITE sendonly, then sendrecv), media flows again after it', async () => {
    const peer = await openPeer();
    const since = bob.events.length;
    const { leg, events } = await callBob('outbound-2', peer);
    await peer.waitForTone(phoneTone);
    await bob.command('hold');
    await waitFor('held by the phone', () => events.some((event) => event.type === 'held'));
    expect(peer.remoteOffers.at(-1)).toBe('sendonly');
    await bob.command('resume');
    await waitFor('resumed by the phone', () => events.some((event) => event.type === 'resumed'));
    expect(peer.remoteOffers.at(-1)).toBe('sendrecv');
    peer.resetHearing();
    const sentBefore = peer.packetsSent;
    await peer.waitForTone(phoneTone);
    await waitFor('our RTP flowing again', () => peer.packetsSent > sentBefore + 25);
    await leg.hangup('normal');
    await bob.waitEvent('CALL_CLOSED', { since });
    expect(withoutRinging(events)).toEqual(['answered', 'held', 'resumed', 'ended']);
    expect(events.filter((event) => event.type === 'held' || event.type === 'resumed')).toEqual([
      { type: 'held', by: 'remote' },
      { type: 'resumed', by: 'remote' },
    ]);
    expect(events.at(-1)).toMatchObject({ reason: 'normal', by: 'local' });
  });

  it('sees the caller cancel before answer (CANCEL → cancelled$ and an ended leg)', async () => {
    const peer = await openPeer();
    const incoming = nextIncoming();
    const since = carol.events.length;
    await carol.command('dial', `sip:alice@127.0.0.1:${kamailio.udpPort}`);
    const call = await incoming;
    const cancelled = firstValueFrom(call.cancelled$.pipe(timeout(15_000)));
    const leg = await call.accept(asSipEndpoint(peer));
    const events = legEvents(leg);
    await leg.ring();
    await carol.waitEvent('CALL_RINGING', { since });
    await carol.command('hangup');
    await cancelled;
    await waitFor('the leg to end', () => leg.closed);
    expect(events).toEqual([{ type: 'ended', reason: 'cancelled', detail: 'CANCEL', by: 'remote' }]);
  });

  const refusals = [
    ['busy', 486],
    ['no-answer', 480],
    ['declined', 603],
    ['not-found', 404],
    // A proxy turns 503 into 500 on the way (RFC 3261 §16.7, step 6), and Kamailio does.
    ['unavailable', 500],
  ] as const;
  for (const [reason, status] of refusals) {
    it(`refuses an inbound call as '${reason}' with ${status}`, async () => {
      const incoming = nextIncoming();
      const since = carol.events.length;
      await carol.command('dial', `sip:alice@127.0.0.1:${kamailio.udpPort}`);
      const call = await incoming;
      await call.reject(reason);
      const closed = await carol.waitEvent('CALL_CLOSED', { since });
      expect(String(closed.param)).toContain(String(status));
    });
  }

  it("maps Kamailio's 404 for an unknown user to 'not-found'", async () => {
    const peer = await openPeer();
    const leg = await adapter.call({
      callId: 'outbound-404',
      to: `sip:nobody@127.0.0.1:${kamailio.udpPort}`,
      account: 'alice',
      media: asSipEndpoint(peer),
      kinds: { audio: true, video: false },
    });
    const events = legEvents(leg);
    await waitFor('the leg to end', () => leg.closed);
    expect(events.at(-1)).toEqual({ type: 'ended', reason: 'not-found', detail: '404', by: 'remote' });
  });
});
