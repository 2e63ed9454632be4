// The load generator, in its own process: N "browsers" (werift peer connections, DTLS-SRTP) and N "phones"
// (plain UDP), each sending 50 packets/s of 20 ms audio. Relay mode embeds the send time in the payload, so the
// latency through the gateway is measured on one clock (both ends live here).

import { createSocket, type Socket } from 'node:dgram';
import { Encoder as OpusEncoder } from '@evan/opus';
import {
  MediaStreamTrack,
  RTCPeerConnection,
  type RtpPacket,
  RtpHeader,
  RtpPacket as RtpPacketClass,
  useOPUS,
  usePCMU,
} from 'werift';
import { encodeG711 } from '@cubebridge/codecs';
import { cacheSrtpKeys } from '../../src/werift/cacheSrtpKeys.ts';
import { type BenchMode, type FromLoad, percentile, type ToLoad } from './protocol.ts';

const send = (message: FromLoad): void => void process.send?.(message);
const FRAME_MS = 20;

interface Call {
  readonly index: number;
  readonly phone: Socket;
  readonly browser: RTCPeerConnection | Socket;
  readonly track: MediaStreamTrack | undefined;
  gatewayPhonePort: number;
  gatewayBrowserPort: number;
  phoneSequence: number;
  browserSequence: number;
  timestamp: number;
}

let mode: BenchMode = 'relay';
const calls: Call[] = [];
let windowOpen = false;
let sent = 0;
let received = 0;
const latencies: number[] = [];
let windowStartedAt = 0;
let windowSentPerStream = 0;

const tonePcm = Int16Array.from({ length: 160 }, (_, i) =>
  Math.round(Math.sin((2 * Math.PI * 440 * i) / 8000) * 6000),
);
const pcmuFrame = Buffer.from(encodeG711('PCMU', tonePcm));
const opusFrames: Buffer[] = (() => {
  const encoder = new OpusEncoder({ channels: 1, sample_rate: 48000, application: 'voip' });
  return Array.from({ length: 10 }, (_, f) => {
    const pcm = Int16Array.from({ length: 960 }, (_, i) =>
      Math.round(Math.sin((2 * Math.PI * 440 * (f * 960 + i)) / 48000) * 6000),
    );
    return Buffer.from(encoder.encode(pcm));
  });
})();

function stamp(payload: Buffer): Buffer {
  const copy = Buffer.from(payload);
  copy.writeDoubleBE(performance.timeOrigin + performance.now(), 0);
  return copy;
}

function onReceived(payload: Uint8Array): void {
  if (!windowOpen) return;
  received++;
  if (mode === 'transcode') return;
  const sentAt = Buffer.from(payload.buffer, payload.byteOffset, payload.length).readDoubleBE(0);
  latencies.push(performance.timeOrigin + performance.now() - sentAt);
}

async function bindUdp(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

function phoneOffer(port: number): string {
  return `v=0\r\no=load 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n`;
}

/** A call before the gateway has told us its ports: counters at zero. */
function newCall(
  index: number,
  phone: Socket,
  browser: RTCPeerConnection | Socket,
  track: MediaStreamTrack | undefined,
): Call {
  return {
    index,
    phone,
    browser,
    track,
    gatewayPhonePort: 0,
    gatewayBrowserPort: 0,
    phoneSequence: 0,
    browserSequence: 0,
    timestamp: 0,
  };
}

async function setup(index: number): Promise<void> {
  const phone = await bindUdp();
  phone.on('message', (message) => onReceived(message.subarray(12)));
  if (mode === 'udp-floor') {
    const browser = await bindUdp();
    browser.on('message', (message) => onReceived(message.subarray(12)));
    calls.push(newCall(index, phone, browser, undefined));
    send({
      type: 'offer',
      offer: { index, webrtc: String(browser.address().port), sip: String(phone.address().port) },
    });
    return;
  }
  const pc = new RTCPeerConnection({
    codecs: { audio: [mode === 'relay' ? usePCMU() : useOPUS({ payloadType: 111 })] },
    bundlePolicy: 'max-bundle',
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceUseTcp: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceFilterStunResponse: (_message, address) => address[0] === '127.0.0.1',
  });
  const track = new MediaStreamTrack({ kind: 'audio' });
  pc.addTransceiver(track, { direction: 'sendrecv' });
  pc.onTrack.subscribe((remote) =>
    remote.onReceiveRtp.subscribe((rtp: RtpPacket) => onReceived(rtp.payload)),
  );
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) =>
      pc.iceGatheringStateChange.subscribe((state) => state === 'complete' && resolve()),
    );
  }
  calls.push(newCall(index, phone, pc, track));
  send({
    type: 'offer',
    offer: { index, webrtc: pc.localDescription?.sdp ?? '', sip: phoneOffer(phone.address().port) },
  });
}

async function onAnswer(index: number, webrtc: string, sip: string): Promise<void> {
  const call = calls[index];
  if (!call) return;
  if (mode === 'udp-floor') {
    call.gatewayBrowserPort = Number(webrtc);
    call.gatewayPhonePort = Number(sip);
  } else {
    call.gatewayPhonePort = Number(/m=audio (\d+)/.exec(sip)?.[1]);
    await (call.browser as RTCPeerConnection).setRemoteDescription({ type: 'answer', sdp: webrtc });
  }
  if (calls.length === expected && calls.every((c) => c.gatewayPhonePort > 0)) void waitConnected();
}

let expected = 0;

async function waitConnected(): Promise<void> {
  for (const call of calls) {
    if (!(call.browser instanceof RTCPeerConnection)) continue;
    const pc = call.browser;
    if (pc.connectionState !== 'connected') {
      await new Promise<void>((resolve) =>
        pc.connectionStateChange.subscribe((state) => state === 'connected' && resolve()),
      );
    }
    // The load generator gets the same SRTP key caching as the gateway, or it saturates long before the gateway.
    cacheSrtpKeys(pc.getTransceivers()[0]?.sender.dtlsTransport);
  }
  send({ type: 'connected' });
}

let tick = 0;
function sendAll(): void {
  // Four 5 ms slots per 20 ms frame spread the calls, as independent phones would be.
  const slot = tick++ % 4;
  for (const call of calls) {
    if (call.index % 4 !== slot) continue;
    call.timestamp = (call.timestamp + 160) >>> 0;
    const phonePayload = mode === 'transcode' ? pcmuFrame : stamp(pcmuFrame);
    const header = Buffer.alloc(12);
    header[0] = 0x80;
    header[1] = 0;
    call.phoneSequence = (call.phoneSequence + 1) & 0xffff;
    header.writeUInt16BE(call.phoneSequence, 2);
    header.writeUInt32BE(call.timestamp, 4);
    header.writeUInt32BE(0x1000 + call.index, 8);
    call.phone.send([header, phonePayload], call.gatewayPhonePort, '127.0.0.1');
    if (call.browser instanceof RTCPeerConnection) {
      const payload =
        mode === 'transcode' ? (opusFrames[tick % opusFrames.length] as Buffer) : stamp(pcmuFrame);
      call.browserSequence = (call.browserSequence + 1) & 0xffff;
      const rtpHeader = new RtpHeader({
        payloadType: mode === 'transcode' ? 111 : 0,
        sequenceNumber: call.browserSequence,
        timestamp: mode === 'transcode' ? call.timestamp * 6 : call.timestamp,
        ssrc: 1,
      });
      call.track?.writeRtp(new RtpPacketClass(rtpHeader, payload));
    } else {
      call.browser.send([header, stamp(pcmuFrame)], call.gatewayBrowserPort, '127.0.0.1');
    }
    if (windowOpen) {
      sent += 2;
      windowSentPerStream++;
    }
  }
}

process.on('message', async (message: ToLoad) => {
  switch (message.type) {
    case 'setup':
      mode = message.mode;
      expected = message.calls;
      for (let i = 0; i < message.calls; i++) await setup(i);
      break;
    case 'answer':
      await onAnswer(message.answer.index, message.answer.webrtc, message.answer.sip);
      break;
    case 'start':
      setInterval(sendAll, FRAME_MS / 4);
      break;
    case 'window':
      if (message.open) {
        windowOpen = true;
        windowStartedAt = performance.now();
        return;
      }
      windowOpen = false;
      latencies.sort((a, b) => a - b);
      send({
        type: 'measured',
        result: {
          sent,
          received,
          latencyP50Ms: percentile(latencies, 50),
          latencyP99Ms: percentile(latencies, 99),
          ppsPerStream:
            windowSentPerStream / Math.max(1, calls.length) / ((performance.now() - windowStartedAt) / 1000),
        },
      });
      break;
    case 'exit':
      for (const call of calls) {
        call.phone.close();
        if (call.browser instanceof RTCPeerConnection) await call.browser.close();
        else call.browser.close();
      }
      process.exit(0);
  }
});
