// The smallest SIP user agent server that lets a real phone (baresip) call the relay over UDP: it answers each
// INVITE with the SDP its handler returns, takes ACK, and answers BYE and anything else with 200.
// No retransmission, no authentication, no dialog state beyond tags: loopback tests only.

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

export type OfferHandler = (offer: string) => Promise<string>;

export class MiniUas {
  readonly #socket: Socket = createSocket('udp4');
  readonly #onOffer: OfferHandler;
  readonly invites: string[] = [];
  readonly byes: string[] = [];

  constructor(onOffer: OfferHandler) {
    this.#onOffer = onOffer;
    this.#socket.on('message', (message, from) => void this.#handle(message.toString(), from));
  }

  async bind(): Promise<this> {
    await new Promise<void>((resolve) => this.#socket.bind(0, '127.0.0.1', resolve));
    return this;
  }

  get port(): number {
    return this.#socket.address().port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  async #handle(text: string, from: RemoteInfo): Promise<void> {
    const [head = '', body = ''] = text.split('\r\n\r\n');
    const lines = head.split('\r\n');
    const method = lines[0]?.split(' ')[0] ?? '';
    if (method.startsWith('SIP/2.0') || method === 'ACK') return;
    const header = (name: string): string[] =>
      lines.filter((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}:`));
    const copied = [...header('Via'), ...header('From'), ...header('Call-ID'), ...header('CSeq')];
    const to = header('To')[0] ?? 'To: <sip:relay@127.0.0.1>';
    let sdp = '';
    if (method === 'INVITE') {
      this.invites.push(body);
      sdp = await this.#onOffer(body);
    } else if (method === 'BYE') {
      this.byes.push(head);
    }
    const response = [
      'SIP/2.0 200 OK',
      ...copied,
      to.includes('tag=') ? to : `${to};tag=relay${Math.floor(Math.random() * 1e6)}`,
      `Contact: <sip:relay@127.0.0.1:${this.port}>`,
      ...(sdp ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${Buffer.byteLength(sdp)}`,
      '',
      sdp,
    ].join('\r\n');
    this.#socket.send(response, from.port, from.address);
  }
}
