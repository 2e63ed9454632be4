// The trunk role against sipp scenarios (test/sipp/): allow-list (answered vs 403), the gateway
// retransmitting its 200 OK while the ACK is missing and its INVITE while no answer comes, and
// failure codes of the far end mapped to end reasons, and early media from a 183.
import type { IncomingSipCall, LegEvent, SipLeg } from '@cubebridge/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/harness/sip/processes.ts';
import { RtpTestPeer } from '../../../test/harness/sip/RtpTestPeer.ts';
import { countReceived, runSipp, stopSipps } from '../../../test/harness/sip/sipp.ts';
import { sipAdapter } from '../src/index.ts';
import { answerEveryCall, asSipEndpoint, callWithTestPeer, recordingContext } from './support.ts';

describe('trunk role with sipp', () => {
  const recorder = recordingContext();
  const adapter = sipAdapter({
    trunk: { listen: { host: '127.0.0.1', port: 0 }, allowFrom: ['127.0.0.1/32'] },
    // uac_session_timer.xml asks for 3 s and uas_session_timer.xml grants 4 s, below the default Min-SE of 90.
    minSessionExpiresSec: 3,
  });
  const peers: RtpTestPeer[] = [];
  const incoming: IncomingSipCall[] = [];
  const inboundEvents = new Map<SipLeg, LegEvent[]>();
  const inboundEndpoints: ReturnType<typeof asSipEndpoint>[] = [];
  let trunk = '';

  beforeAll(async () => {
    await adapter.start(recorder.context);
    const address = adapter.trunkAddress;
    if (!address) throw new Error('trunk did not bind');
    trunk = `${address.address}:${address.port}`;
    // Answer whatever comes in (the test peer plays the media side).
    adapter.incoming$.subscribe((call) => {
      incoming.push(call);
      void (async () => {
        const peer = await RtpTestPeer.open({ toneHz: 1000 });
        peers.push(peer);
        const endpoint = asSipEndpoint(peer);
        inboundEndpoints.push(endpoint);
        const leg = await call.accept(endpoint);
        const events: LegEvent[] = [];
        inboundEvents.set(leg, events);
        leg.events$.subscribe((event) => events.push(event));
        await leg.ring();
        await leg.answer();
      })();
    });
  });

  afterEach(async () => {
    await stopSipps();
    for (const peer of peers.splice(0)) peer.close();
  });

  afterAll(async () => {
    await adapter.stop();
  });

  it('answers an INVITE from an allowed source; the call runs to BYE', async () => {
    const sipp = await runSipp({ scenario: 'uac_call.xml', remote: trunk, service: '1001' });
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(incoming.at(-1)?.to.uri).toBe(`sip:1001@${trunk}`);
    expect(incoming.at(-1)?.via).toEqual({ kind: 'trunk', name: 'trunk' });
  });

  it('REFERs the phone with its own Allow (UPDATE and PRACK, no MESSAGE), and the transfer succeeds', async () => {
    const target = 'sip:2001@127.0.0.1:5999';
    const known = new Set(inboundEvents.keys());
    const sipp = await runSipp({
      scenario: 'uac_transferred.xml',
      remote: trunk,
      service: '1009',
      variables: { target },
    });
    const [leg, events] = await waitFor('the answered call', () =>
      [...inboundEvents].find(
        ([leg, events]) => !known.has(leg) && events.some((event) => event.type === 'answered'),
      ),
    );
    // sipp checks the REFER's Refer-To and Allow, answers 202, then NOTIFYs 100 and 200.
    await leg.transfer(target);
    await leg.hangup('normal');
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(events.at(-1)).toMatchObject({ type: 'ended', by: 'local' });
  });

  it('refuses an INVITE from a source outside the allow-list with 403', async () => {
    const before = incoming.length;
    const sipp = await runSipp({
      scenario: 'uac_refused.xml',
      remote: trunk,
      service: '1001',
      localIp: '127.0.0.2',
    });
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(incoming.length).toBe(before);
  });

  it('retransmits its 200 OK until the ACK comes (lost ACK)', async () => {
    const sipp = await runSipp({ scenario: 'uac_lost_ack.xml', remote: trunk, service: '1002' });
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    // 2.5 s without ACK: retransmissions at 0.5, 1.5 (and 3.5) s after the first 200.
    expect(countReceived(result.messages, 'SIP/2.0 200')).toBeGreaterThanOrEqual(3);
  });

  it('retransmits its INVITE while the far end stays silent (lost INVITE), then completes the call', async () => {
    const sipp = await runSipp({ scenario: 'uas_lost_invite.xml' });
    const { leg, events } = await callWithTestPeer(adapter, peers, {
      callId: 'lost-invite',
      to: `sip:2001@127.0.0.1:${sipp.port}`,
    });
    await waitFor('answered', () => events.some((event) => event.type === 'answered'));
    // sipp sends 180 then 200 from one socket, so the order holds here.
    expect(events.map((event) => event.type)).toEqual(['ringing', 'answered']);
    await leg.hangup('normal');
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(countReceived(result.messages, 'INVITE sip:')).toBeGreaterThanOrEqual(2);
  });

  it('applies the SDP of a 183 as the answer: early-media event, RTP both ways before the 200, not applied twice', async () => {
    const sipp = await runSipp({ scenario: 'uas_early_media.xml', rtpEcho: true });
    const peer = await RtpTestPeer.open({ toneHz: 1000 });
    peers.push(peer);
    const endpoint = asSipEndpoint(peer);
    let answersApplied = 0;
    const leg = await adapter.call({
      callId: 'early-media',
      to: `sip:2006@127.0.0.1:${sipp.port}`,
      media: {
        ...endpoint,
        setRemoteAnswer: (sdp) => {
          answersApplied++;
          return endpoint.setRemoteAnswer(sdp);
        },
      },
      kinds: { audio: true, video: false },
    });
    const events: LegEvent[] = [];
    leg.events$.subscribe((event) => events.push(event));
    await waitFor('early media', () => events.some((event) => event.type === 'early-media'));
    // sipp echoes RTP back to its sender: hearing our own tone means the endpoint sends to the 183's
    // address and receives from it. sipp holds the 200 back for 8 s, so this comes before the answer.
    await peer.waitForTone(1000);
    expect(events.map((event) => event.type)).toEqual(['ringing', 'early-media']);
    expect(answersApplied).toBe(1);
    await waitFor('answered', () => events.some((event) => event.type === 'answered'), 30_000);
    // The 200 repeats the 183's SDP: nothing is applied again, and media keeps flowing.
    expect(answersApplied).toBe(1);
    peer.resetHearing();
    await peer.waitForTone(1000);
    await leg.hangup('normal');
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(events.map((event) => event.type)).toEqual(['ringing', 'early-media', 'answered', 'ended']);
  });

  it("keeps the 183's answer when the 200 brings a different SDP (RFC 3261 §13.2.1)", async () => {
    const sipp = await runSipp({ scenario: 'uas_early_media_changed.xml', rtpEcho: true });
    const peer = await RtpTestPeer.open({ toneHz: 1000 });
    peers.push(peer);
    const endpoint = asSipEndpoint(peer);
    const answers: string[] = [];
    const leg = await adapter.call({
      callId: 'early-media-changed',
      to: `sip:2007@127.0.0.1:${sipp.port}`,
      media: {
        ...endpoint,
        setRemoteAnswer: (sdp) => {
          answers.push(sdp);
          return endpoint.setRemoteAnswer(sdp);
        },
      },
      kinds: { audio: true, video: false },
    });
    const events: LegEvent[] = [];
    leg.events$.subscribe((event) => events.push(event));
    await waitFor('answered', () => events.some((event) => event.type === 'answered'));
    expect(events.map((event) => event.type)).toEqual(['ringing', 'early-media', 'answered']);
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatch(/^o=sipp 1 1 /m);
    // Our media still goes to the 183's port, where sipp echoes it.
    peer.resetHearing();
    await peer.waitForTone(1000);
    await leg.hangup('normal');
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(result.messages).toMatch(/^o=sipp 1 2 /m);
  });

  it('reports DTMF that arrives as SIP INFO (dtmf-relay and dtmf bodies)', async () => {
    const sipp = await runSipp({ scenario: 'uac_info_dtmf.xml', remote: trunk, service: '1003' });
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    const events = [...inboundEvents.values()].at(-1) ?? [];
    expect(events.filter((event) => event.type === 'dtmf')).toEqual([
      { type: 'dtmf', digit: '5', durationMs: 160, via: 'sip-info' },
      { type: 'dtmf', digit: '#', durationMs: 160, via: 'sip-info' },
    ]);
  });

  it('passes a phone’s SIP INFO picture_fast_update to the relay, and sends the relay’s keyframe wish as one', async () => {
    const before = inboundEndpoints.length;
    const sipp = await runSipp({
      scenario: 'uac_info_picture_fast_update.xml',
      remote: trunk,
      service: '1005',
    });
    await waitFor(
      'the phone’s keyframe request to reach the relay',
      () => inboundEndpoints[before]?.keyframesAskedByPhone === 1,
    );
    inboundEndpoints[before]!.askPhoneForKeyframe();
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    // The INFO the phone received from the gateway carries the RFC 5168 body.
    const received = result.messages
      .split(/-{20,}/)
      .filter((entry) => /message received/i.test(entry) && /^INFO /m.test(entry));
    expect(received).toHaveLength(1);
    expect(received[0]).toMatch(/^Content-Type: application\/media_control\+xml/im);
    expect(received[0]).toContain('<picture_fast_update/>');
  });

  it('sends DTMF as SIP INFO (application/dtmf-relay)', async () => {
    const sipp = await runSipp({ scenario: 'uas_info_dtmf.xml' });
    const { leg, events } = await callWithTestPeer(adapter, peers, {
      callId: 'info-dtmf',
      to: `sip:2003@127.0.0.1:${sipp.port}`,
    });
    await waitFor('answered', () => events.some((event) => event.type === 'answered'));
    await leg.sendDtmf('7');
    await leg.hangup('normal');
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
  });

  it('retries a re-INVITE refused with 491 (glare) after a random delay, then is on hold', async () => {
    const sipp = await runSipp({ scenario: 'uas_glare.xml' });
    const { leg, events } = await callWithTestPeer(adapter, peers, {
      callId: 'glare',
      to: `sip:2004@127.0.0.1:${sipp.port}`,
    });
    await waitFor('answered', () => events.some((event) => event.type === 'answered'));
    const started = Date.now();
    await leg.hold();
    // We own the Call-ID, so the retry waits 2.1–4 s (RFC 3261 §14.1).
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(events.at(-1)).toEqual({ type: 'held', by: 'local' });
    await leg.hangup('normal');
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(countReceived(result.messages, 'INVITE sip:')).toBe(3);
  });

  it('refreshes the session (RFC 4028) when the far end makes it the refresher', async () => {
    const sipp = await runSipp({ scenario: 'uas_session_timer.xml' });
    const { leg, events, peer } = await callWithTestPeer(adapter, peers, {
      callId: 'session-timer-refresh',
      to: `sip:2005@127.0.0.1:${sipp.port}`,
    });
    await waitFor('answered', () => events.some((event) => event.type === 'answered'));
    // The refresh re-INVITE (at half of the 4 s interval) asks the endpoint for a fresh offer.
    await waitFor('the refresh', () => peer.offersMade >= 2, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await leg.hangup('normal');
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
  });

  it('grants the caller its session timer and ends the call with BYE when no refresh comes', async () => {
    const sipp = await runSipp({ scenario: 'uac_session_timer.xml', remote: trunk, service: '1004' });
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    const events = [...inboundEvents.values()].at(-1) ?? [];
    expect(events.at(-1)).toEqual({
      type: 'ended',
      reason: 'error',
      detail: 'session timer expired',
      by: 'local',
    });
  });

  const failures = [
    ['486', 'busy'],
    ['480', 'no-answer'],
    ['603', 'declined'],
    ['404', 'not-found'],
    ['503', 'unavailable'],
  ] as const;
  for (const [code, reason] of failures) {
    it(`maps a far-end ${code} to '${reason}'`, async () => {
      const sipp = await runSipp({ scenario: 'uas_reject.xml', variables: { code } });
      const { leg, events } = await callWithTestPeer(adapter, peers, {
        callId: `reject-${code}`,
        to: `sip:2002@127.0.0.1:${sipp.port}`,
      });
      await waitFor('the leg to end', () => leg.closed);
      expect(events.at(-1)).toEqual({ type: 'ended', reason, detail: code, by: 'remote' });
      const result = await sipp.done;
      expect(result.code, result.output).toBe(0);
    });
  }
});

describe('session timers negotiated by default, the gateway refreshing (RFC 4028)', () => {
  const recorder = recordingContext();
  // 4 s instead of the default 1800 s, so that the refresh comes within the test.
  const adapter = sipAdapter({
    trunk: { listen: { host: '127.0.0.1', port: 0 }, allowFrom: ['127.0.0.1/32'] },
    sessionTimerSec: 4,
    minSessionExpiresSec: 3,
  });
  const peers: RtpTestPeer[] = [];
  let trunk = '';

  beforeAll(async () => {
    await adapter.start(recorder.context);
    const address = adapter.trunkAddress;
    if (!address) throw new Error('trunk did not bind');
    trunk = `${address.address}:${address.port}`;
    answerEveryCall(adapter, peers);
  });

  afterEach(async () => {
    await stopSipps();
    for (const peer of peers.splice(0)) peer.close();
  });

  afterAll(async () => {
    await adapter.stop();
  });

  /** The gateway's 200 OK to the INVITE (CSeq 1) in sipp's message log. */
  const okToInvite = (messages: string) =>
    messages
      .split(/-{10,}/)
      .find((message) => /^SIP\/2\.0 200/m.test(message) && /^CSeq: *1 INVITE/im.test(message)) ?? '';

  for (const supported of ['timer', 'replaces']) {
    it(`offers one to a caller that asks for none (Supported: ${supported}), and refreshes it`, async () => {
      const sipp = await runSipp({
        scenario: 'uac_session_timer_offered.xml',
        remote: trunk,
        service: '1200',
        variables: { supported, interval: '4' },
      });
      const result = await sipp.done;
      expect(result.code, result.output).toBe(0);
      const ok = okToInvite(result.messages);
      expect(ok).toMatch(/^Session-Expires: *4;refresher=uas/im);
      // RFC 4028 §9: Require: timer only to a caller that supports it.
      if (supported === 'timer') expect(ok).toMatch(/^Require:.*\btimer\b/im);
      else expect(ok).not.toMatch(/^Require:.*\btimer\b/im);
    });
  }

  it('asks a phone it calls to let it refresh, and never refreshes a session the phone did not grant', async () => {
    const sipp = await runSipp({ scenario: 'uas_session_timer_unsupported.xml' });
    const { leg, events } = await callWithTestPeer(adapter, peers, {
      callId: 'session-timer-unsupported',
      to: `sip:2006@127.0.0.1:${sipp.port}`,
    });
    await waitFor('answered', () => events.some((event) => event.type === 'answered'));
    // Past the 2 s at which a 4 s session would be refreshed: a re-INVITE now would fail the scenario.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await leg.hangup('normal');
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(result.messages).not.toMatch(/^Require:.*\btimer\b/im);
  });
});
