// RFC 3311 UPDATE and the RFC 4028 details (refresh by UPDATE, 422 / Min-SE both ways) and the offer-less
// re-INVITE, against sipp scenarios (test/sipp/uac_update_*.xml, *_session_interval_small.xml,
// uac_reinvite_without_offer.xml). The RTP test peer is the media side; sipp checks the headers.
import type { IncomingSipCall, LegEvent, SipLeg, SipMediaEndpoint } from '@cubebridge/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/harness/sip/processes.ts';
import { RtpTestPeer } from '../../../test/harness/sip/RtpTestPeer.ts';
import { runSipp, stopSipps } from '../../../test/harness/sip/sipp.ts';
import { sipAdapter } from '../src/index.ts';
import { asSipEndpoint, callWithTestPeer, recordingContext } from './support.ts';

/** Low, so that the session timer tests take seconds (RFC 4028's floor of 90 s is for real networks). */
const minSe = 3;

interface Inbound {
  readonly call: IncomingSipCall;
  readonly peer: RtpTestPeer;
  readonly events: LegEvent[];
  leg?: SipLeg;
}

describe('UPDATE, session refreshes and 422 with sipp', () => {
  const recorder = recordingContext();
  const adapter = sipAdapter({
    trunk: { listen: { host: '127.0.0.1', port: 0 }, allowFrom: ['127.0.0.1/32'] },
    minSessionExpiresSec: minSe,
  });
  const peers: RtpTestPeer[] = [];
  const inbound: Inbound[] = [];
  /** How the next incoming call is taken: answered (default), or only rung, or with another endpoint. */
  let take: (call: IncomingSipCall, entry: Inbound) => Promise<void> = answer();
  let trunk = '';

  function answer(endpointOf: (peer: RtpTestPeer) => SipMediaEndpoint = asSipEndpoint, ringOnly = false) {
    return async (call: IncomingSipCall, entry: Inbound) => {
      const leg = await call.accept(endpointOf(entry.peer));
      entry.leg = leg;
      leg.events$.subscribe((event) => entry.events.push(event));
      await leg.ring();
      if (!ringOnly) await leg.answer();
    };
  }

  beforeAll(async () => {
    await adapter.start(recorder.context);
    const address = adapter.trunkAddress;
    if (!address) throw new Error('trunk did not bind');
    trunk = `${address.address}:${address.port}`;
    adapter.incoming$.subscribe((call) => {
      void (async () => {
        const peer = await RtpTestPeer.open({ toneHz: 1000 });
        peers.push(peer);
        const entry: Inbound = { call, peer, events: [] };
        inbound.push(entry);
        await take(call, entry);
      })();
    });
  });

  afterEach(async () => {
    take = answer();
    await stopSipps();
    for (const peer of peers.splice(0)) peer.close();
  });

  afterAll(async () => {
    await adapter.stop();
  });

  async function nextInbound(before: number): Promise<Inbound> {
    return waitFor('the incoming call', () => inbound[before]);
  }

  it('holds and resumes on UPDATE (200 with Contact and the answer); an offer it cannot take gets 488 in between', async () => {
    const before = inbound.length;
    const sipp = await runSipp({
      scenario: 'uac_update_hold.xml',
      remote: trunk,
      service: '1101',
      rtpEcho: true,
    });
    const call = await nextInbound(before);
    await waitFor('resumed', () => call.events.some((event) => event.type === 'resumed'));
    expect(call.events.filter((event) => event.type !== 'ended')).toEqual([
      { type: 'answered' },
      { type: 'held', by: 'remote' },
      { type: 'resumed', by: 'remote' },
    ]);
    expect(call.peer.remoteOffers).toEqual(['sendrecv', 'sendonly', 'sendrecv']);
    // sipp echoes our RTP: hearing our tone after the resume means the endpoint sends again.
    call.peer.resetHearing();
    await call.peer.waitForTone(1000);
    await call.leg?.hangup('normal');
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(result.messages).toMatch(/^SIP\/2\.0 488 /m);
  });

  it('lists UPDATE, and only what it answers, in the Allow of its 200 to OPTIONS', async () => {
    const sipp = await runSipp({ scenario: 'uac_options_allow.xml', remote: trunk, service: '1100' });
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
  });

  it('takes UPDATEs without SDP as session refreshes: a caller that refreshes only so is not cut off', async () => {
    const before = inbound.length;
    const sipp = await runSipp({ scenario: 'uac_update_refresh.xml', remote: trunk, service: '1102' });
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    const call = await nextInbound(before);
    await waitFor('the end', () => call.events.some((event) => event.type === 'ended'));
    expect(call.events.at(-1)).toEqual({ type: 'ended', reason: 'normal', detail: 'BYE', by: 'remote' });
  });

  it('echoes the granted Session-Expires, refresher and Require: timer in its 200 to a refreshing re-INVITE', async () => {
    const before = inbound.length;
    const sipp = await runSipp({ scenario: 'uac_reinvite_refresh.xml', remote: trunk, service: '1108' });
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    const call = await nextInbound(before);
    await waitFor('the end', () => call.events.some((event) => event.type === 'ended'));
    expect(call.events.at(-1)).toEqual({ type: 'ended', reason: 'normal', detail: 'BYE', by: 'remote' });
    expect(call.peer.remoteOffers).toEqual(['sendrecv', 'sendrecv', 'sendrecv']);
  });

  it('still ends the call whose caller never refreshes (same gateway, same Min-SE)', async () => {
    const before = inbound.length;
    const sipp = await runSipp({ scenario: 'uac_session_timer.xml', remote: trunk, service: '1103' });
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    const call = await nextInbound(before);
    await waitFor('the end', () => call.events.some((event) => event.type === 'ended'));
    expect(call.events.at(-1)).toEqual({
      type: 'ended',
      reason: 'error',
      detail: 'session timer expired',
      by: 'local',
    });
  });

  it('offers in the 200 to an offer-less re-INVITE, answers 491 to an UPDATE meanwhile, applies the answer in the ACK', async () => {
    const before = inbound.length;
    const sipp = await runSipp({
      scenario: 'uac_reinvite_without_offer.xml',
      remote: trunk,
      service: '1104',
      rtpEcho: true,
    });
    const call = await nextInbound(before);
    await waitFor('answered', () => call.events.some((event) => event.type === 'answered'));
    // Until the ACK's answer, our RTP goes to port 9 where nobody echoes; afterwards to sipp, which echoes it.
    await call.peer.waitForTone(1000);
    expect(call.peer.offersMade).toBe(1);
    await call.leg?.hangup('normal');
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(result.messages).toMatch(/^SIP\/2\.0 491 /m);
  });

  it('answers 500 with Retry-After to an UPDATE offer, and to a re-INVITE, while it is still answering an UPDATE', async () => {
    const before = inbound.length;
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The endpoint takes the INVITE's offer at once and holds the next one until DTMF 1 arrives.
    take = answer((peer) => {
      const endpoint = asSipEndpoint(peer);
      let offers = 0;
      return {
        ...endpoint,
        setRemoteOffer: async (sdp) => {
          if (++offers > 1) await released;
          return endpoint.setRemoteOffer(sdp);
        },
      };
    });
    const sipp = await runSipp({ scenario: 'uac_update_pending_offer.xml', remote: trunk, service: '1105' });
    const call = await nextInbound(before);
    await waitFor('DTMF 1', () => call.events.some((event) => event.type === 'dtmf'));
    release();
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(call.events.filter((event) => event.type === 'held')).toEqual([{ type: 'held', by: 'remote' }]);
    expect(call.peer.remoteOffers).toEqual(['sendrecv', 'sendonly']);
  });

  it('answers UPDATEs in an early dialog: 200 with Contact without SDP, 500 with Retry-After to an offer', async () => {
    const before = inbound.length;
    take = answer(asSipEndpoint, true);
    const sipp = await runSipp({ scenario: 'uac_update_early.xml', remote: trunk, service: '1106' });
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    const call = await nextInbound(before);
    await waitFor('the end', () => call.events.some((event) => event.type === 'ended'));
    expect(call.events.map((event) => event.type)).toEqual(['ended']);
    expect(call.peer.remoteOffers).toEqual(['sendrecv']);
  });

  it('answers 422 with Min-SE to an INVITE asking for a shorter session interval, then takes the retry', async () => {
    const before = inbound.length;
    const sipp = await runSipp({
      scenario: 'uac_session_interval_small.xml',
      remote: trunk,
      service: '1107',
      variables: { asked: String(minSe - 1), minSe: String(minSe) },
    });
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    // Only the retry became a call.
    await nextInbound(before);
    expect(inbound.length).toBe(before + 1);
  });

  it('sends Min-SE and retries its INVITE once with the Min-SE of a 422, and the call proceeds', async () => {
    const sipp = await runSipp({
      scenario: 'uas_session_interval_small.xml',
      variables: { ourMinSe: String(minSe), minSe: '3600' },
    });
    const { leg, events } = await callWithTestPeer(adapter, peers, {
      callId: 'session-interval-small',
      to: `sip:2101@127.0.0.1:${sipp.port}`,
    });
    // If sipp gives up (a header check failed), say why rather than time out waiting.
    const early = sipp.done.then((result) => {
      throw new Error(`sipp ended before the answer: ${result.output}\n${result.messages}`);
    });
    await Promise.race([waitFor('answered', () => events.some((event) => event.type === 'answered')), early]);
    early.catch(() => undefined);
    await leg.hangup('normal');
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(events.map((event) => event.type)).toEqual(['answered', 'ended']);
  });

  it('retries its hold re-INVITE once with the Min-SE of a 422, and the call is held', async () => {
    const sipp = await runSipp({ scenario: 'uas_reinvite_interval_small.xml', variables: { minSe: '3600' } });
    const { leg, events } = await callWithTestPeer(adapter, peers, {
      callId: 'reinvite-interval-small',
      to: `sip:2102@127.0.0.1:${sipp.port}`,
    });
    const early = sipp.done.then((result) => {
      throw new Error(`sipp ended before the hold: ${result.output}\n${result.messages}`);
    });
    await Promise.race([waitFor('answered', () => events.some((event) => event.type === 'answered')), early]);
    await Promise.race([leg.hold(), early]);
    early.catch(() => undefined);
    expect(events.at(-1)).toEqual({ type: 'held', by: 'local' });
    await leg.hangup('normal');
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(result.messages).toMatch(/^SIP\/2\.0 422 /m);
  });
});
