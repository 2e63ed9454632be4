// A video "phone" for tests: plain RTP/RTCP on 127.0.0.1 that sends back every video packet it receives (under its
// own SSRC), counts the keyframe requests (PLI/FIR) it gets, and can ask for keyframes itself.

import { createSocket, type Socket } from 'node:dgram';

export class VideoEchoPeer {
  readonly #rtp: Socket = createSocket('udp4');
  readonly #rtcp: Socket = createSocket('udp4');
  #relay: { rtpPort: number; rtcpPort: number } | undefined;
  #relaySsrc = 0;
  #firSequence = 0;
  #drop = 0;
  received = 0;
  pliReceived = 0;
  firReceived = 0;
  readonly payloadTypes = new Set<number>();

  async bind(): Promise<this> {
    // RTP on an even port and RTCP on the next one, as the SDP we write implies.
    for (;;) {
      await new Promise<void>((resolve) => this.#rtp.bind(0, '127.0.0.1', resolve));
      const port = this.#rtp.address().port;
      const ok = await new Promise<boolean>((resolve) => {
        this.#rtcp.once('error', () => resolve(false));
        this.#rtcp.bind(port + 1, '127.0.0.1', () => resolve(true));
      });
      if (ok) break;
      throw new Error('RTCP port taken');
    }
    this.#rtp.on('message', (message) => {
      if (!this.#relay || message.length < 12) return;
      this.received++;
      this.payloadTypes.add((message[1] as number) & 0x7f);
      this.#relaySsrc = message.readUInt32BE(8);
      if (this.#drop > 0) {
        this.#drop--;
        return;
      }
      const echo = Buffer.from(message);
      echo.writeUInt32BE(0xecc0ecc0, 8);
      this.#rtp.send(echo, this.#relay.rtpPort, '127.0.0.1');
    });
    this.#rtcp.on('message', (message) => {
      for (let offset = 0; offset + 4 <= message.length; ) {
        const count = (message[offset] as number) & 0x1f;
        const type = message[offset + 1] as number;
        if (type === 206 && count === 1) this.pliReceived++;
        if (type === 206 && count === 4) this.firReceived++;
        offset += (message.readUInt16BE(offset + 2) + 1) * 4;
      }
    });
    return this;
  }

  get port(): number {
    return this.#rtp.address().port;
  }

  /** Where the relay receives our video (from its SDP). */
  setRelay(sdp: string): void {
    const port = Number(/m=video (\d+)/.exec(sdp)?.[1]);
    if (!port) throw new Error(`no video in SDP:\n${sdp}`);
    this.#relay = {
      rtpPort: port,
      rtcpPort: Number(/m=video[\s\S]*?a=rtcp:(\d+)/.exec(sdp)?.[1] ?? port + 1),
    };
  }

  /** Loses the next `count` packets, as a bad network would: the browser's decoder then asks for a keyframe. */
  drop(count: number): void {
    this.#drop = count;
  }

  sendPli(): void {
    const packet = Buffer.alloc(12);
    packet[0] = 0x81;
    packet[1] = 206;
    packet.writeUInt16BE(2, 2);
    packet.writeUInt32BE(0xecc0ecc0, 4);
    packet.writeUInt32BE(this.#relaySsrc, 8);
    if (this.#relay) this.#rtcp.send(packet, this.#relay.rtcpPort, '127.0.0.1');
  }

  sendFir(): void {
    const packet = Buffer.alloc(20);
    packet[0] = 0x84;
    packet[1] = 206;
    packet.writeUInt16BE(4, 2);
    packet.writeUInt32BE(0xecc0ecc0, 4);
    packet.writeUInt32BE(this.#relaySsrc, 12);
    packet[16] = ++this.#firSequence & 0xff;
    if (this.#relay) this.#rtcp.send(packet, this.#relay.rtcpPort, '127.0.0.1');
  }

  #closed = false;

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(
      [this.#rtp, this.#rtcp].map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))),
    );
  }
}
