// The short SRTP receive path on a real werift bundled transport (two werift peers, ICE and DTLS-SRTP on
// loopback): werift delivers each stream's first packet, the short path the rest, in order and intact; werift's
// receive statistics and RTCP receiver reports still count every packet; forged packets and payload types the
// receiver does not take as plain media never reach the sink; detach gives the transport back to werift.

import { afterEach, describe, expect, it } from 'vitest';
import { type RTCDtlsTransport, type RTCPeerConnection, RtcpRrPacket, RtpHeader } from 'werift';
import { waitFor } from '../../../test/harness/sip/processes.ts';
import type { RtpFrame } from '../src/rtp/RtpFrame.ts';
import { BundledRtpReceiver } from '../src/werift/BundledRtpReceiver.ts';
import { connectedWeriftPair, firstTransceiver } from './weriftPair.ts';

const payloadOf = (index: number): Buffer => Buffer.alloc(160, index & 0xff);

describe('BundledRtpReceiver', () => {
  const peers: RTCPeerConnection[] = [];
  const receivers: BundledRtpReceiver[] = [];
  afterEach(async () => {
    for (const receiver of receivers.splice(0)) receiver.detach();
    await Promise.all(peers.splice(0).map((pc) => pc.close()));
  });

  it('takes over a stream after werift delivered its first packet, keeping werift statistics, RTCP and drops', async () => {
    const { browser, gateway } = await connectedWeriftPair();
    peers.push(browser, gateway);
    const sender = firstTransceiver(browser).sender;
    const receiver = firstTransceiver(gateway).receiver;
    const gatewayTransport = receiver.dtlsTransport as RTCDtlsTransport;

    const bundled = new BundledRtpReceiver();
    receivers.push(bundled);
    expect(bundled.attach(gatewayTransport, gateway)).toBe(true);
    const viaWerift: RtpFrame[] = [];
    const viaShortPath: RtpFrame[] = [];
    const sink = (frame: RtpFrame): void => void viaShortPath.push(frame);
    // The offer carried the browser's SSRC: werift made the remote track when the gateway took it.
    receiver.track.onReceiveRtp.subscribe((rtp) => {
      viaWerift.push({ ...rtp.header, payload: rtp.payload });
      bundled.learn(rtp.header.ssrc, receiver, sink);
    });
    // The browser's receiver reports about our stream are not what we look at: the gateway's are.
    const reports: RtcpRrPacket[] = [];
    sender.dtlsTransport.onRtcp.subscribe((packet) => {
      if (packet instanceof RtcpRrPacket) reports.push(packet);
    });
    void sender.runRtcp();

    const transport = sender.dtlsTransport;
    const firstSequence = 65_500; // crosses the 16-bit wrap: the ROC must follow on the short path too
    const send = (index: number, payloadType = 0, payload = payloadOf(index)): Promise<number> =>
      transport.sendRtp(
        payload,
        new RtpHeader({
          payloadType,
          sequenceNumber: (firstSequence + index) & 0xffff,
          timestamp: index * 160,
          ssrc: sender.ssrc,
          marker: index === 0,
        }),
      );
    const count = 60;
    for (let index = 0; index < count; index++) {
      await send(index);
      if (index === 0) await waitFor('werift to deliver the first packet', () => viaWerift.length === 1);
    }
    await waitFor('every packet delivered', () => viaWerift.length + viaShortPath.length === count);
    expect(viaWerift.map((frame) => frame.sequenceNumber)).toEqual([firstSequence]);
    expect(viaShortPath.map((frame) => frame.sequenceNumber)).toEqual(
      Array.from({ length: count - 1 }, (_, i) => (firstSequence + 1 + i) & 0xffff),
    );
    viaShortPath.forEach((frame, i) => {
      expect(frame.ssrc).toBe(sender.ssrc);
      expect(frame.payloadType).toBe(0);
      expect(frame.timestamp).toBe((i + 1) * 160);
      expect(Buffer.from(frame.payload).equals(payloadOf(i + 1))).toBe(true);
    });

    // A forged packet (one payload byte changed after protection) and an unnegotiated payload type on the same
    // SSRC: neither reaches the sink, and werift's receiver drops the second as it always did.
    const forged = transport.srtp.encrypt(
      payloadOf(count),
      new RtpHeader({
        payloadType: 0,
        sequenceNumber: (firstSequence + count) & 0xffff,
        timestamp: count * 160,
        ssrc: sender.ssrc,
      }),
    );
    forged[20] = (forged[20] as number) ^ 0xff;
    await transport.iceTransport.connection.send(forged);
    await send(count + 1, 99);
    await send(count + 2);
    await waitFor('the packet after them', () => viaShortPath.length === count);
    expect(viaShortPath.at(-1)?.sequenceNumber).toBe((firstSequence + count + 2) & 0xffff);
    expect(viaWerift).toHaveLength(1);

    // werift's statistics for the stream saw every packet we delivered, and its receiver reports say so.
    const inbound = [...(await receiver.getStats()).values()].find(
      (stat) => (stat as { type?: string }).type === 'inbound-rtp',
    ) as { packetsReceived: number } | undefined;
    expect(inbound?.packetsReceived).toBe(count + 1);
    const lastSequence = (firstSequence + count + 2) & 0xffff;
    await waitFor('a receiver report covering the last packet', () =>
      reports.some((report) => report.reports[0]?.highestSequence === lastSequence),
    );

    // Given back to werift, the stream is delivered by werift's track events again.
    bundled.detach();
    await send(count + 3);
    await waitFor('werift to deliver again', () => viaWerift.length === 2);
    expect(viaShortPath).toHaveLength(count);
  });
});
