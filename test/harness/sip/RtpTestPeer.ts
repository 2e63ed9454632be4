// A test peer for the SIP adapter: a real RTP endpoint with the SdpEndpoint calls (offer/answer, hold),
// a real UDP socket, a PCMU tone it sends and a Goertzel detector for what it hears. Not a media relay.
import dgram from 'node:dgram';
import { linearToUlaw, toneShare, ulawToLinear } from './audio.ts';

type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface RtpTestPeerOptions {
  /** Frequency of the tone this peer sends. */
  readonly toneHz: number;
  readonly host?: string;
}

export class RtpTestPeer {
  readonly toneHz: number;
  readonly host: string;
  packetsReceived = 0;
  packetsSent = 0;
  /** How many offers this peer made (the first INVITE, then each re-INVITE of ours). */
  offersMade = 0;
  /** Number of remote offers that asked us to stop sending (hold) and to send again (resume). */
  readonly remoteOffers: Direction[] = [];
  readonly #socket: dgram.Socket;
  readonly #heard: number[] = [];
  #remote: { address: string; port: number } | undefined;
  #localDirection: Direction = 'sendrecv';
  #remoteDirection: Direction = 'sendrecv';
  #sending = false;
  #timer: NodeJS.Timeout | undefined;
  #sequence = Math.floor(Math.random() * 0xffff);
  #timestamp = 0;
  #phase = 0;
  #version = 1;
  readonly #ssrc = Math.floor(Math.random() * 0xffffffff);
  #closed = false;

  private constructor(socket: dgram.Socket, options: RtpTestPeerOptions) {
    this.#socket = socket;
    this.toneHz = options.toneHz;
    this.host = options.host ?? '127.0.0.1';
    socket.on('message', (packet) => this.#receive(packet));
  }

  static async open(options: RtpTestPeerOptions): Promise<RtpTestPeer> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, options.host ?? '127.0.0.1', resolve));
    return new RtpTestPeer(socket, options);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  get negotiated(): { audio: boolean; video: boolean } | undefined {
    return this.#remote ? { audio: true, video: false } : undefined;
  }

  async createOffer(options?: { hold?: boolean }): Promise<string> {
    this.#localDirection = options?.hold ? 'sendonly' : 'sendrecv';
    this.offersMade++;
    return this.#sdp(this.#localDirection);
  }

  async setRemoteAnswer(sdp: string): Promise<void> {
    this.#applyRemote(sdp);
  }

  async setRemoteOffer(sdp: string): Promise<void> {
    const direction = this.#applyRemote(sdp);
    this.remoteOffers.push(direction);
    // RFC 3264 §6.1: answer with the mirror of the offered direction.
    this.#localDirection = (
      { sendrecv: 'sendrecv', sendonly: 'recvonly', recvonly: 'sendonly', inactive: 'inactive' } as const
    )[direction];
  }

  async createAnswer(): Promise<string> {
    this.#updateSending();
    return this.#sdp(this.#localDirection);
  }

  /** Share of the last `ms` of received audio that is `hz` (0..1). */
  heardShare(hz: number, ms = 400): number {
    const samples = this.#heard.slice(-8 * ms);
    return samples.length < 8 * ms ? 0 : toneShare(samples, hz);
  }

  /** Resolves once `hz` fills the last 400 ms of what we hear. */
  async waitForTone(hz: number, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.heardShare(hz) < 0.6) {
      if (Date.now() > deadline) {
        throw new Error(
          `no ${hz} Hz tone heard within ${timeoutMs} ms (packets received: ${this.packetsReceived})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Forget what was heard so far (to prove media flows again after hold). */
  resetHearing(): void {
    this.#heard.length = 0;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#socket.close();
  }

  #applyRemote(sdp: string): Direction {
    const connection = /^c=IN IP4 (\S+)/m.exec(sdp)?.[1];
    const media = /^m=audio (\d+) RTP\/AVP ([\d ]+)/m.exec(sdp);
    if (!connection || !media) throw new Error('no audio in the remote SDP');
    if (!(media[2] ?? '').split(' ').includes('0')) throw new Error('the remote SDP does not offer PCMU');
    const direction =
      (/^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.exec(sdp)?.[1] as Direction | undefined) ?? 'sendrecv';
    this.#remote = { address: connection, port: Number(media[1]) };
    this.#remoteDirection = connection === '0.0.0.0' ? 'inactive' : direction;
    this.#updateSending();
    return this.#remoteDirection;
  }

  #updateSending(): void {
    const weSend = this.#localDirection === 'sendrecv' || this.#localDirection === 'sendonly';
    const theyReceive = this.#remoteDirection === 'sendrecv' || this.#remoteDirection === 'recvonly';
    this.#sending = weSend && theyReceive && this.#remote !== undefined;
    if (this.#sending && !this.#timer && !this.#closed)
      this.#timer = setInterval(() => this.#sendFrame(), 20);
  }

  #sendFrame(): void {
    if (!this.#sending || !this.#remote) return;
    const packet = Buffer.alloc(12 + 160);
    packet[0] = 0x80;
    packet[1] = 0;
    packet.writeUInt16BE(this.#sequence, 2);
    packet.writeUInt32BE(this.#timestamp >>> 0, 4);
    packet.writeUInt32BE(this.#ssrc, 8);
    for (let index = 0; index < 160; index++) {
      packet[12 + index] = linearToUlaw(10_000 * Math.sin(this.#phase));
      this.#phase += (2 * Math.PI * this.toneHz) / 8000;
    }
    this.#phase %= 2 * Math.PI;
    this.#sequence = (this.#sequence + 1) & 0xffff;
    this.#timestamp += 160;
    this.packetsSent++;
    this.#socket.send(packet, this.#remote.port, this.#remote.address);
  }

  #receive(packet: Buffer): void {
    const first = packet[0] ?? 0;
    if (packet.length < 12 || first >> 6 !== 2) return;
    if (((packet[1] ?? 0) & 0x7f) !== 0) return; // only PCMU is decoded (telephone-event and others are ignored)
    this.packetsReceived++;
    const csrcBytes = (first & 0x0f) * 4;
    for (let index = 12 + csrcBytes; index < packet.length; index++)
      this.#heard.push(ulawToLinear(packet[index] as number));
    if (this.#heard.length > 8000 * 10) this.#heard.splice(0, this.#heard.length - 8000 * 5);
  }

  #sdp(direction: Direction): string {
    const version = this.#version++;
    return [
      'v=0',
      `o=rtp-test-peer 4242 ${version} IN IP4 ${this.host}`,
      's=rtp-test-peer',
      `c=IN IP4 ${this.host}`,
      't=0 0',
      `m=audio ${this.port} RTP/AVP 0`,
      'a=rtpmap:0 PCMU/8000',
      'a=ptime:20',
      `a=${direction}`,
      '',
    ].join('\r\n');
  }
}
