// The process under test: a WeriftRelay with N sessions (or, for the floor, N plain UDP socket pairs forwarding to
// each other). It reports CPU time, packets relayed, memory and event-loop delay over a measured window.

import { createSocket, type Socket } from 'node:dgram';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Logger } from '@cubebridge/core';
import { weriftRelay } from '../../src/index.ts';
import type { WeriftMediaSession } from '../../src/WeriftMediaSession.ts';
import type { BenchMode, CallOffer, FromGateway, ToGateway } from './protocol.ts';

const noop = (): void => {};
const logger = { debug: noop, info: noop, warn: noop, error: noop, child: () => logger } as unknown as Logger;
const send = (message: FromGateway): void => void process.send?.(message);

let mode: BenchMode = 'relay';
const relay = weriftRelay({
  bindAddress: '127.0.0.1',
  rtpPorts: [30000, 39999],
  statsIntervalMs: 0,
  rtcpIntervalMs: 5000,
  mediaTimeoutMs: 0,
});
const sessions: WeriftMediaSession[] = [];
const floorSockets: Socket[] = [];
let floorPackets = 0;
let baselineRssMb = process.memoryUsage().rss / 2 ** 20;

async function bindUdp(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  floorSockets.push(socket);
  return socket;
}

async function answer(offer: CallOffer): Promise<{ webrtc: string; sip: string }> {
  if (mode === 'udp-floor') {
    // The cheapest possible relay: what arrives on one socket leaves through the other to a fixed peer.
    const [phoneSide, browserSide] = [await bindUdp(), await bindUdp()];
    const phonePort = Number(offer.sip);
    const browserPort = Number(offer.webrtc);
    phoneSide.on('message', (message) => {
      floorPackets++;
      browserSide.send(message, browserPort, '127.0.0.1');
    });
    browserSide.on('message', (message) => {
      floorPackets++;
      phoneSide.send(message, phonePort, '127.0.0.1');
    });
    return { webrtc: String(browserSide.address().port), sip: String(phoneSide.address().port) };
  }
  const session = await relay.createSession({ callId: `bench-${offer.index}`, logger });
  sessions.push(session);
  await session.sip.setRemoteOffer(offer.sip);
  await session.webrtc.setRemoteOffer(offer.webrtc);
  const webrtc = await session.webrtc.createAnswer();
  const sip = await session.sip.createAnswer();
  return { webrtc, sip };
}

function relayedPackets(): number {
  if (mode === 'udp-floor') return floorPackets;
  let total = 0;
  for (const session of sessions) {
    const stats = session.stats();
    total += stats.sip.packetsReceived + stats.webrtc.packetsReceived;
  }
  return total;
}

process.on('message', async (message: ToGateway) => {
  switch (message.type) {
    case 'setup':
      mode = message.mode;
      baselineRssMb = process.memoryUsage().rss / 2 ** 20;
      send({ type: 'ready' });
      break;
    case 'offer': {
      const answered = await answer(message.offer);
      send({ type: 'answer', answer: { index: message.offer.index, ...answered } });
      break;
    }
    case 'measure': {
      const delay = monitorEventLoopDelay({ resolution: 5 });
      delay.enable();
      const cpu = process.cpuUsage();
      const packets = relayedPackets();
      const started = performance.now();
      await new Promise((resolve) => setTimeout(resolve, message.seconds * 1000));
      const used = process.cpuUsage(cpu);
      delay.disable();
      const memory = process.memoryUsage();
      send({
        type: 'measured',
        result: {
          cpuUserMs: used.user / 1000,
          cpuSystemMs: used.system / 1000,
          wallMs: performance.now() - started,
          packetsRelayed: relayedPackets() - packets,
          rssMb: memory.rss / 2 ** 20,
          baselineRssMb,
          heapMb: memory.heapUsed / 2 ** 20,
          loopDelayP50Ms: delay.percentile(50) / 1e6,
          loopDelayP99Ms: delay.percentile(99) / 1e6,
        },
      });
      break;
    }
    case 'exit':
      await relay.stop();
      for (const socket of floorSockets) socket.close();
      process.exit(0);
  }
});
send({ type: 'ready' });
