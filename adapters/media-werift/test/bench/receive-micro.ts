// Cost of receiving one SRTP packet (160-byte payload) on a werift bundled transport, from the ICE connection's data
// event to the relay's sink: werift's own path (SRTP, router, receiver, track event) against BundledRtpReceiver.
// Two werift peers in this process over loopback (AEAD_AES_128_GCM, as werift ⇄ werift negotiates); the browser
// side sends one packet at a time. Per packet: the wall time of the synchronous receive (median and p90: robust to
// a shared machine's preemption) and the process CPU per packet (both peers, so it includes the sender's work).
// Run: node --conditions=@cubebridge/source adapters/media-werift/test/bench/receive-micro.ts

import { RtpHeader } from 'werift';
import type { RtpFrame } from '../../src/rtp/RtpFrame.ts';
import { BundledRtpReceiver } from '../../src/werift/BundledRtpReceiver.ts';
import { cacheSrtpKeys } from '../../src/werift/cacheSrtpKeys.ts';
import { connectedWeriftPair, firstTransceiver } from '../weriftPair.ts';

const WARMUP = Number(process.env.WARMUP ?? 2_000);
const PACKETS = Number(process.env.PACKETS ?? 20_000);
const ROUNDS = 3;
const BATCH = 32;
const payload = Buffer.alloc(160, 7);

interface ConnectionEvent {
  execute: (data: Buffer) => void;
}

async function measure(path: 'werift' | 'short'): Promise<{ median: number; p90: number; cpu: number }> {
  const { browser, gateway } = await connectedWeriftPair();
  const sender = firstTransceiver(browser).sender;
  const receiver = firstTransceiver(gateway).receiver;
  const transport = receiver.dtlsTransport;
  // As the relay does on both sides: SRTP keys as KeyObjects.
  cacheSrtpKeys(transport);
  cacheSrtpKeys(sender.dtlsTransport);
  const bundled = new BundledRtpReceiver();
  if (path === 'short' && !bundled.attach(transport, gateway)) throw new Error('attach failed');
  let received = 0;
  const sink = (_frame: RtpFrame): void => void received++;
  receiver.track.onReceiveRtp.subscribe((rtp) => {
    bundled.learn(rtp.header.ssrc, receiver, sink);
    received++;
  });

  // Time the synchronous receive: wrap whatever now handles the connection's data (werift's or ours).
  const event = (transport.iceTransport.connection as unknown as { onData: ConnectionEvent }).onData;
  const inner = event.execute;
  const samples = new Float64Array(WARMUP + PACKETS);
  let timed = 0;
  event.execute = (data) => {
    const rtp =
      (data[0] as number) >= 128 &&
      (data[0] as number) < 192 &&
      !((data[1] as number) >= 192 && (data[1] as number) <= 208);
    const started = process.hrtime.bigint();
    inner(data);
    if (rtp && timed < samples.length) samples[timed++] = Number(process.hrtime.bigint() - started) / 1000;
  };

  const send = async (index: number): Promise<void> => {
    await sender.dtlsTransport.sendRtp(
      payload,
      new RtpHeader({
        payloadType: 0,
        sequenceNumber: index & 0xffff,
        timestamp: index * 160,
        ssrc: sender.ssrc,
      }),
    );
  };
  const until = async (count: number): Promise<void> => {
    const deadline = Date.now() + 30_000;
    while (received < count) {
      if (Date.now() > deadline) throw new Error(`${path}: ${received} of ${count} packets arrived`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  // In batches that the receiving socket's buffer holds (loopback drops what overflows it).
  const sendAll = async (from: number, to: number): Promise<void> => {
    for (let i = from; i < to; i += BATCH) {
      for (let j = i; j < Math.min(to, i + BATCH); j++) await send(j);
      await until(Math.min(to, i + BATCH));
    }
  };
  await sendAll(0, WARMUP);
  const cpu = process.cpuUsage();
  await sendAll(WARMUP, WARMUP + PACKETS);
  const used = process.cpuUsage(cpu);
  bundled.detach();
  await Promise.all([browser.close(), gateway.close()]);
  const sorted = [...samples.subarray(WARMUP, timed)].sort((a, b) => a - b);
  return {
    median: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
    p90: sorted[Math.floor(sorted.length * 0.9)] ?? Number.NaN,
    cpu: (used.user + used.system) / PACKETS,
  };
}

console.log('| receive path | round | sync µs/packet median | p90 | process CPU µs/packet (both peers) |');
console.log('|---|---|---|---|---|');
for (let round = 1; round <= ROUNDS; round++) {
  for (const path of ['werift', 'short'] as const) {
    const result = await measure(path);
    console.log(
      `| ${path} | ${round} | ${result.median.toFixed(1)} | ${result.p90.toFixed(1)} | ${result.cpu.toFixed(1)} |`,
    );
  }
}
process.exit(0);
