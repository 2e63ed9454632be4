// Early dialogs against sipp scenarios (test/sipp/): RFC 3262 reliable provisional responses both ways
// (we PRACK a reliable 183 and keep its early media; a caller that requires 100rel gets a reliable 180,
// retransmitted until its PRACK, one that only supports it an ordinary one) and early media through a
// forking proxy (the 200 comes from another To tag than the 183 whose media we played).
import type { LegEvent, SipMediaEndpoint } from '@cubebridge/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/harness/sip/processes.ts';
import { RtpTestPeer } from '../../../test/harness/sip/RtpTestPeer.ts';
import { countReceived, runSipp, stopSipps } from '../../../test/harness/sip/sipp.ts';
import { sipAdapter } from '../src/index.ts';
import { asSipEndpoint, recordingContext } from './support.ts';

describe('early dialogs with sipp', () => {
  const recorder = recordingContext();
  const adapter = sipAdapter({
    trunk: { listen: { host: '127.0.0.1', port: 0 }, allowFrom: ['127.0.0.1/32'] },
  });
  const peers: RtpTestPeer[] = [];
  const inbound: { events: LegEvent[]; ringing: Promise<RtpTestPeer> }[] = [];
  let trunk = '';

  beforeAll(async () => {
    await adapter.start(recorder.context);
    const address = adapter.trunkAddress;
    if (!address) throw new Error('trunk did not bind');
    trunk = `${address.address}:${address.port}`;
    // Ring, then answer once ring() is done (for a reliable 180 that is when its PRACK came).
    adapter.incoming$.subscribe((call) => {
      const events: LegEvent[] = [];
      const ringing = (async () => {
        const peer = await RtpTestPeer.open({ toneHz: 1000 });
        peers.push(peer);
        const leg = await call.accept(asSipEndpoint(peer));
        leg.events$.subscribe((event) => events.push(event));
        await leg.ring();
        await leg.answer();
        return peer;
      })();
      inbound.push({ events, ringing });
    });
  });

  afterEach(async () => {
    await stopSipps();
    for (const peer of peers.splice(0)) peer.close();
  });

  afterAll(async () => {
    await adapter.stop();
  });

  /** The test peer as the relay's endpoint, holding it to the offer/answer order the real relay enforces. */
  function strictEndpoint(peer: RtpTestPeer, answers: string[]): SipMediaEndpoint {
    const endpoint = asSipEndpoint(peer);
    let offerPending = false;
    return {
      ...endpoint,
      createOffer: async (options) => {
        offerPending = true;
        return endpoint.createOffer(options);
      },
      setRemoteAnswer: async (sdp) => {
        // media-werift's SipLeg throws NegotiationStateError here: an answer needs an offer of ours.
        if (!offerPending) throw new Error('setRemoteAnswer without a pending offer');
        offerPending = false;
        answers.push(sdp);
        return endpoint.setRemoteAnswer(sdp);
      },
    };
  }

  it('PRACKs a reliable 183 (RAck), plays its early media, refuses an early UPDATE offer, then answers', async () => {
    const sipp = await runSipp({ scenario: 'uas_100rel_early_media.xml', rtpEcho: true });
    const peer = await RtpTestPeer.open({ toneHz: 1000 });
    peers.push(peer);
    const answers: string[] = [];
    const leg = await adapter.call({
      callId: 'reliable-183',
      to: `sip:3001@127.0.0.1:${sipp.port}`,
      media: strictEndpoint(peer, answers),
      kinds: { audio: true, video: false },
    });
    const events: LegEvent[] = [];
    leg.events$.subscribe((event) => events.push(event));
    await waitFor('early media', () => events.some((event) => event.type === 'early-media'));
    // sipp echoes our RTP from the 183's port while the 200 is held back.
    await peer.waitForTone(1000);
    expect(events.map((event) => event.type)).toEqual(['ringing', 'early-media']);
    await waitFor('answered', () => events.some((event) => event.type === 'answered'), 30_000);
    // The UPDATE's offer (another port) was refused: the 183's answer is the only one applied.
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatch(/^o=sipp 1 1 /m);
    peer.resetHearing();
    await peer.waitForTone(1000);
    await leg.hangup('normal');
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(countReceived(result.messages, 'PRACK sip:')).toBe(1);
    expect(events.map((event) => event.type)).toEqual(['ringing', 'early-media', 'answered', 'ended']);
  });

  it('keeps a forked call answered by another branch than the early media one (PRACKing its reliable 183); media follows the answering branch', async () => {
    const sipp = await runSipp({ scenario: 'uas_forked_early_media.xml', rtpEcho: true });
    const peer = await RtpTestPeer.open({ toneHz: 1000 });
    peers.push(peer);
    const answers: string[] = [];
    const leg = await adapter.call({
      callId: 'forked-early-media',
      to: `sip:3002@127.0.0.1:${sipp.port}`,
      media: strictEndpoint(peer, answers),
      kinds: { audio: true, video: false },
    });
    const events: LegEvent[] = [];
    leg.events$.subscribe((event) => events.push(event));
    await waitFor('answered', () =>
      events.some((event) => event.type === 'answered' || event.type === 'ended'),
    );
    expect(events.map((event) => event.type)).toEqual(['ringing', 'early-media', 'ringing', 'answered']);
    // Branch A's early answer first, then branch B's, from its 200.
    expect(answers.map((sdp) => /^o=(\w+)/m.exec(sdp)?.[1])).toEqual(['branchA', 'branchB']);
    // Branch A's port has no listener: our own tone comes back only if the media goes to branch B.
    peer.resetHearing();
    await peer.waitForTone(1000);
    expect(leg.closed).toBe(false);
    await leg.hangup('normal');
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(countReceived(result.messages, 'BYE sip:')).toBe(1);
    // Branch B's reliable 183 was PRACKed in B's dialog (sipp checks RAck, tag and Request-URI).
    expect(countReceived(result.messages, 'PRACK sip:')).toBe(1);
    expect(events.at(-1)).toEqual({ type: 'ended', reason: 'normal', by: 'local' });
  });

  it('sends a reliable 180 to a caller that requires 100rel, retransmitted until the PRACK; answers an offer in the PRACK', async () => {
    const sipp = await runSipp({ scenario: 'uac_100rel_required.xml', remote: trunk, service: '1101' });
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    // sipp waits 1.2 s before its PRACK: the 180 went out again at T1 (0.5 s) at least.
    expect(countReceived(result.messages, 'SIP/2.0 180')).toBeGreaterThanOrEqual(2);
    const call = inbound.at(-1);
    const peer = await call?.ringing;
    expect(call?.events.map((event) => event.type)).toEqual(['answered', 'ended']);
    // The INVITE's offer, then the PRACK's (answered in the PRACK's 200, which sipp checks).
    expect(peer?.remoteOffers).toEqual(['sendrecv', 'sendrecv']);
  });

  it('sends an ordinary 180 to a caller that only supports 100rel, and advertises 100rel', async () => {
    const sipp = await runSipp({ scenario: 'uac_100rel_supported.xml', remote: trunk, service: '1102' });
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(countReceived(result.messages, 'PRACK sip:')).toBe(0);
  });
});
