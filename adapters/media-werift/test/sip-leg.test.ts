// The SIP leg against plain UDP peers (no browser): RFC 3264 offer/answer and hold, port 0, a=rtcp/a=ptime,
// symmetric latching, RTCP with RTT, SDES-SRTP between two relays, taps and stats events.

import { createSocket, type Socket } from 'node:dgram';
import { filter, firstValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { MediaPacket, MediaSessionEvent } from '@cubebridge/core';
import { RtpPeer } from '../../../test/harness/media/RtpPeer.ts';
import { silentLogger } from '../../../test/harness/media/silentLogger.ts';
import { UnsupportedMediaError, type WeriftRelay, weriftRelay } from '../src/index.ts';
import { ntpMiddle, ntpNow, parseRtcp, serializeReport } from '../src/rtp/Rtcp.ts';

const relays: WeriftRelay[] = [];
const sockets: Socket[] = [];

function relay(options: Parameters<typeof weriftRelay>[0] = {}): WeriftRelay {
  const created = weriftRelay({
    bindAddress: '127.0.0.1',
    rtpPorts: [45000 + relays.length * 100, 45099 + relays.length * 100],
    statsIntervalMs: 0,
    ...options,
  });
  relays.push(created);
  return created;
}

async function udp(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  sockets.push(socket);
  return socket;
}

function offer(
  port: number,
  { direction = 'sendrecv', proto = 'RTP/AVP', extra = [] as string[], video = false } = {},
): string {
  return [
    'v=0',
    'o=phone 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} ${proto} 8 0 101`,
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=ptime:30',
    ...extra,
    `a=${direction}`,
    ...(video ? ['m=video 5004 RTP/AVP 34', 'a=rtpmap:34 H263/90000'] : []),
    '',
  ].join('\r\n');
}

const attribute = (sdp: string, name: string): string[] =>
  sdp
    .split('\r\n')
    .filter((line) => line.startsWith(`a=${name}`))
    .map((line) => line.slice(2));

afterEach(async () => {
  for (const created of relays.splice(0)) await created.stop();
  for (const socket of sockets.splice(0)) socket.close();
});

describe('SIP leg offer/answer', () => {
  it('offers our codecs with telephone-event, a=rtcp and a=ptime, and uses the codec the answer picks', async () => {
    const session = await relay().createSession({ callId: 'offer', logger: silentLogger });
    const sdp = await session.sip.createOffer();
    expect(sdp).toMatch(/^m=audio (\d+) RTP\/AVP 111 9 0 8 101 110\r$/m);
    const port = Number(/m=audio (\d+)/.exec(sdp)?.[1]);
    expect(port % 2).toBe(0);
    expect(attribute(sdp, 'rtcp')).toEqual([`rtcp:${port + 1}`]);
    expect(attribute(sdp, 'ptime')).toEqual(['ptime:20']);
    expect(attribute(sdp, 'sendrecv')).toHaveLength(1);
    expect(/c=IN IP4 (\S+)/.exec(sdp)?.[1]).toBe('127.0.0.1');
    await session.sip.setRemoteAnswer(offer(4000).replace('8 0 101', '0 101'));
    expect(session.sip.audio).toMatchObject({
      codec: 'PCMU',
      payloadType: 0,
      ptimeMs: 30,
      telephoneEvent: { payloadType: 101, clockRate: 8000 },
    });
    expect(session.sip.direction).toBe('sendrecv');
  });

  it.each([
    ['sendrecv', 'sendrecv'],
    ['sendonly', 'recvonly'],
    ['recvonly', 'sendonly'],
    ['inactive', 'inactive'],
  ])(
    'answers an offer that is %s with %s, keeps the offerer’s codec, and rejects video with port 0',
    async (offered, answered) => {
      const session = await relay().createSession({ callId: `dir-${offered}`, logger: silentLogger });
      await session.sip.setRemoteOffer(offer(4000, { direction: offered, video: true }));
      const answer = await session.sip.createAnswer();
      expect(attribute(answer, answered)).toHaveLength(1);
      expect(answer).toMatch(/^m=audio \d+ RTP\/AVP 8 101\r$/m);
      expect(answer).toMatch(/^m=video 0 RTP\/AVP 34\r$/m);
      expect(attribute(answer, 'ptime')).toEqual(['ptime:30']);
      expect(session.sip.direction).toBe(answered);
    },
  );

  it('accepts an H.264 video stream on its own port pair with keyframe feedback', async () => {
    const session = await relay().createSession({ callId: 'video-answer', logger: silentLogger });
    const videoOffer = offer(4000).replace(
      /a=sendrecv\r\n$/,
      'a=sendrecv\r\nm=video 4002 RTP/AVP 97 96\r\na=rtpmap:97 H264/90000\r\na=fmtp:97 profile-level-id=42e01f;packetization-mode=1\r\na=rtpmap:96 VP8/90000\r\na=sendrecv\r\n',
    );
    await session.sip.setRemoteOffer(videoOffer);
    const answer = await session.sip.createAnswer();
    const audioPort = Number(/m=audio (\d+)/.exec(answer)?.[1]);
    const videoPort = Number(/m=video (\d+) RTP\/AVP 97\r/.exec(answer)?.[1]);
    expect(videoPort).toBeGreaterThan(0);
    expect(videoPort).not.toBe(audioPort);
    expect(answer).toContain('a=rtcp-fb:* nack pli');
    expect(session.sip.negotiated).toEqual({ audio: true, video: true });
    expect(session.sip.video).toEqual({ codec: 'H264', payloadType: 97 });
  });

  it('answers a disabled audio stream (port 0) in kind and refuses one it cannot use', async () => {
    const session = await relay().createSession({ callId: 'port0', logger: silentLogger });
    await session.sip.setRemoteOffer(offer(0));
    expect(await session.sip.createAnswer()).toMatch(/^m=audio 0 RTP\/AVP 8 0 101\r$/m);
    expect(session.sip.negotiated).toBeUndefined();
    await session.sip.setRemoteOffer(
      offer(4000)
        .replace(/8 0 101/, '18')
        .replace(/a=rtpmap:(8|0|101) .*\r\n/g, ''),
    );
    await expect(session.sip.createAnswer()).rejects.toBeInstanceOf(UnsupportedMediaError);
  });

  it('puts the phone on hold with sendonly, or inactive when the phone already holds us', async () => {
    const session = await relay().createSession({ callId: 'hold', logger: silentLogger });
    await session.sip.setRemoteOffer(offer(4000));
    await session.sip.createAnswer();
    const hold = await session.sip.createOffer({ hold: true });
    expect(attribute(hold, 'sendonly')).toHaveLength(1);
    await session.sip.setRemoteAnswer(offer(4000, { direction: 'recvonly' }));
    expect(session.sip.direction).toBe('sendonly');
    // The phone holds us too: our next hold offer must be inactive.
    await session.sip.setRemoteOffer(offer(4000, { direction: 'sendonly' }));
    expect(attribute(await session.sip.createAnswer(), 'recvonly')).toHaveLength(1);
    expect(attribute(await session.sip.createOffer({ hold: true }), 'inactive')).toHaveLength(1);
    await session.sip.setRemoteAnswer(offer(4000, { direction: 'inactive' }));
    const resume = await session.sip.createOffer();
    expect(attribute(resume, 'sendrecv')).toHaveLength(1);
    // O/A order is enforced.
    await expect(session.sip.createAnswer()).rejects.toThrow(/not allowed/);
  });
});

describe('SIP leg media', () => {
  it('latches to where packets really come from, not to the SDP address', async () => {
    const session = await relay().createSession({ callId: 'latch', logger: silentLogger });
    const advertised = await udp();
    const real = await udp();
    await session.sip.setRemoteOffer(offer(advertised.address().port));
    const answer = await session.sip.createAnswer();
    const relayPort = Number(/m=audio (\d+)/.exec(answer)?.[1]);
    const toAdvertised: Buffer[] = [];
    const toReal: Buffer[] = [];
    advertised.on('message', (message) => toAdvertised.push(message));
    real.on('message', (message) => toReal.push(message));
    // A phone behind NAT: its packets come from another port than its SDP says.
    const packet = Buffer.alloc(12 + 160);
    packet[0] = 0x80;
    packet[1] = 8;
    packet.writeUInt32BE(99, 8);
    await new Promise<void>((resolve) => real.send(packet, relayPort, '127.0.0.1', () => resolve()));
    await expect.poll(() => session.sip.remoteAddress?.port).toBe(real.address().port);
    await session.sendDtmf('sip', '1', 50);
    await expect.poll(() => toReal.length).toBeGreaterThanOrEqual(3);
    expect(toAdvertised).toHaveLength(0);
    expect((toReal[0]?.[1] as number) & 0x7f).toBe(101);
  });

  it('sends RTCP reports with a CNAME and measures the RTT from the phone’s report blocks', async () => {
    const session = await relay({ rtcpIntervalMs: 100 }).createSession({
      callId: 'rtcp',
      logger: silentLogger,
    });
    const rtp = await udp();
    const rtcp = createSocket('udp4');
    await new Promise<void>((resolve) => rtcp.bind(rtp.address().port + 1, '127.0.0.1', resolve));
    sockets.push(rtcp);
    await session.sip.setRemoteOffer(offer(rtp.address().port));
    await session.sip.createAnswer();
    await session.sendDtmf('sip', '9', 50); // so that we are a sender and report with an SR
    const reports: ReturnType<typeof parseRtcp>[] = [];
    rtcp.on('message', (message, from) => {
      const parsed = parseRtcp(message);
      reports.push(parsed);
      if (!parsed?.senderInfo) return;
      // Answer like a phone: an RR about the relay's stream, LSR = its SR, DLSR = 10 ms.
      const block = {
        ssrc: parsed.senderSsrc as number,
        fractionLost: 0,
        cumulativeLost: 0,
        extendedHighestSequence: 0,
        jitter: 0,
        lastSenderReport: parsed.senderInfo.ntpMiddle,
        delaySinceLastSenderReport: Math.round(0.01 * 65536),
      };
      setTimeout(
        () =>
          rtcp.send(serializeReport(0x4242, undefined, ntpNow(), block, 'phone'), from.port, from.address),
        10,
      );
    });
    await expect.poll(() => session.stats().sip.rttMs, { timeout: 10_000 }).toBeDefined();
    expect(session.stats().sip.rttMs).toBeLessThan(1000);
    expect(reports.some((report) => report?.senderInfo && report.senderInfo.packets > 0)).toBe(true);
    expect(ntpMiddle(ntpNow())).toBeGreaterThan(0);
  });

  it('speaks SDES-SRTP between two relays (RTP/SAVP, AES_CM_128_HMAC_SHA1_80) and drops plain RTP', async () => {
    const caller = await relay({ srtp: 'required' }).createSession({
      callId: 'srtp-a',
      logger: silentLogger,
    });
    const callee = await relay({ srtp: 'optional' }).createSession({
      callId: 'srtp-b',
      logger: silentLogger,
    });
    const sdpOffer = await caller.sip.createOffer();
    expect(sdpOffer).toMatch(/^m=audio \d+ RTP\/SAVP /m);
    expect(attribute(sdpOffer, 'crypto').map((line) => line.split(' ')[1])).toEqual([
      'AES_CM_128_HMAC_SHA1_80',
      'AES_CM_128_HMAC_SHA1_32',
    ]);
    await callee.sip.setRemoteOffer(sdpOffer);
    const sdpAnswer = await callee.sip.createAnswer();
    expect(attribute(sdpAnswer, 'crypto')).toHaveLength(1);
    expect(attribute(sdpAnswer, 'crypto')[0]).toMatch(
      /^crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[A-Za-z0-9+/]{40}$/,
    );
    await caller.sip.setRemoteAnswer(sdpAnswer);
    const digits = firstValueFrom(
      callee.events$.pipe(
        filter((event): event is Extract<MediaSessionEvent, { type: 'dtmf' }> => event.type === 'dtmf'),
        toArray(),
      ),
    );
    await caller.sendDtmf('sip', '4', 100);
    await caller.sendDtmf('sip', '2', 100);
    await expect.poll(() => callee.stats().sip.packetsReceived).toBeGreaterThanOrEqual(8);
    // A plain RTP packet (no auth tag) toward the SRTP leg is dropped.
    const intruder = await udp();
    const plain = Buffer.alloc(40);
    plain[0] = 0x80;
    plain[1] = 101;
    intruder.send(plain, callee.sip.localPort as number, '127.0.0.1');
    await expect.poll(() => callee.sip.invalidPackets).toBe(1);
    await callee.close();
    expect((await digits).map((event) => event.digit)).toEqual(['4', '2']);
  });

  it('taps a leg without blocking it, drops what a slow consumer cannot take, and reports stats', async () => {
    const session = await relay().createSession({
      callId: 'tap',
      logger: silentLogger,
      statsIntervalMs: 100,
    });
    const peer = await new RtpPeer('PCMU', 1000, 700).bind();
    try {
      await session.sip.setRemoteOffer(peer.offer());
      peer.setRemote(await session.sip.createAnswer());
      const tap = session.tap('sip', { bufferPackets: 2 });
      const tapped: MediaPacket[] = [];
      tap.packets$.subscribe((packet) => tapped.push(packet));
      const stats = firstValueFrom(
        session.events$.pipe(
          filter((event) => event.type === 'stats' && event.stats.sip.packetsReceived > 5),
        ),
      );
      peer.start();
      await expect.poll(() => tapped.length).toBeGreaterThan(3);
      expect(tapped[0]).toMatchObject({ kind: 'audio', codec: 'PCMU', clockRate: 8000, payloadType: 0 });
      expect(tapped[0]?.payload.length).toBe(160);
      // A burst arrives within one turn of the event loop, before the tap's consumer runs: beyond its buffer
      // of 2, packets are dropped for the tap (and only for the tap).
      const received = session.stats().sip.packetsReceived;
      peer.burst(30);
      await expect.poll(() => session.stats().sip.packetsReceived).toBeGreaterThanOrEqual(received + 30);
      expect(tap.dropped).toBeGreaterThan(0);
      const event = await stats;
      expect(event.type === 'stats' && event.stats.sip.mos).toBeGreaterThan(4);
      const closed = firstValueFrom(session.events$.pipe(filter((e) => e.type === 'closed')));
      await session.close();
      expect(tap.closed).toBe(true);
      expect(await closed).toMatchObject({ type: 'closed', stats: { sip: { codec: 'PCMU' } } });
    } finally {
      await peer.close();
    }
  });
  it('raises media-timeout once when the phone goes silent, and again only after media came back', async () => {
    const session = await relay({ mediaTimeoutMs: 300 }).createSession({
      callId: 'timeout',
      logger: silentLogger,
      statsIntervalMs: 100,
    });
    const peer = await new RtpPeer('PCMU', 1000, 700).bind();
    try {
      const timeouts: MediaSessionEvent[] = [];
      session.events$
        .pipe(filter((event) => event.type === 'media-timeout'))
        .subscribe((event) => timeouts.push(event));
      await session.sip.setRemoteOffer(peer.offer());
      peer.setRemote(await session.sip.createAnswer());
      peer.start();
      await expect.poll(() => session.stats().sip.packetsReceived).toBeGreaterThan(5);
      peer.pause();
      await expect.poll(() => timeouts.length, { timeout: 5000 }).toBe(1);
      expect(timeouts[0]).toMatchObject({ type: 'media-timeout', leg: 'sip' });
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(timeouts).toHaveLength(1);
      peer.resume();
      await expect
        .poll(() => session.stats().sip.packetsReceived)
        .toBeGreaterThan(session.stats().sip.packetsReceived + 5);
      peer.pause();
      await expect.poll(() => timeouts.length, { timeout: 5000 }).toBe(2);
    } finally {
      await peer.close();
    }
  });
});

describe('closing in the middle of a negotiation', () => {
  it('settles negotiations cut short by close() with MediaClosedError, not werift errors', async () => {
    const session = await relay().createSession({ callId: 'close-early', logger: silentLogger });
    const pending = Promise.allSettled([
      session.webrtc.createOffer({ kinds: { audio: true, video: true } }),
      session.sip.createOffer(),
    ]);
    await session.close();
    // Each either finished before the close or fails with MediaClosedError; none may stay pending.
    for (const result of await pending) {
      if (result.status === 'rejected') expect((result.reason as Error).name).toBe('MediaClosedError');
    }
    await expect(session.webrtc.createOffer()).rejects.toThrow('closed');
    await expect(session.sip.setRemoteOffer('v=0\r\n')).rejects.toThrow('closed');
  });
});
