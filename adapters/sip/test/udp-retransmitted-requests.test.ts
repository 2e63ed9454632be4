// Over UDP a request is retransmitted when our final response is lost or late. RFC 3261 §17.2.2: the
// server transaction answers the retransmission with the same response, for T1·64 after completing — the
// request must not be handled again. Here a raw UDP peer sets up a call, then sends each in-dialog request
// twice, byte for byte: the second INFO, UPDATE and BYE get the first one's 200 again (not a 500 for an
// out-of-order CSeq, nor a 481 for a dialog already gone), and the INFO's digit reaches the leg once.
import dgram from 'node:dgram';
import type { LegEvent, SipAdapter } from '@cubebridge/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RtpTestPeer } from '../../../test/harness/sip/RtpTestPeer.ts';
import { waitFor } from '../../../test/harness/sip/processes.ts';
import { sipAdapter } from '../src/index.ts';
import { asSipEndpoint, recordingContext } from './support.ts';

describe('retransmitted in-dialog requests over UDP', () => {
  const recorder = recordingContext();
  let adapter: SipAdapter & { trunkAddress: { address: string; port: number } | undefined };
  let socket: dgram.Socket;
  const received: string[] = [];
  const legEvents: LegEvent[] = [];
  const peers: RtpTestPeer[] = [];

  beforeAll(async () => {
    adapter = sipAdapter({ trunk: { listen: { host: '127.0.0.1', port: 0 }, transport: 'udp' } });
    adapter.incoming$.subscribe((call) => {
      void (async () => {
        const peer = await RtpTestPeer.open({ toneHz: 1000 });
        peers.push(peer);
        const leg = await call.accept(asSipEndpoint(peer));
        leg.events$.subscribe((event) => legEvents.push(event));
        await leg.answer();
      })();
    });
    await adapter.start(recorder.context);
    socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    socket.on('message', (message) => received.push(message.toString()));
  });

  afterAll(async () => {
    socket?.close();
    await adapter?.stop();
    await Promise.all(peers.map((peer) => peer.close()));
  });

  it('answers each retransmission with the same response and handles the request once', async () => {
    const gateway = adapter.trunkAddress!;
    const local = `127.0.0.1:${socket.address().port}`;
    const callId = `retrans-${Date.now()}`;
    let toTag = '';
    // In-dialog requests go to the gateway's Contact (the remote target), the INVITE to the trunk's address.
    let target = `sip:1001@${gateway.address}:${gateway.port}`;
    const message = (method: string, cseq: number, branch: string, headers: string[] = [], body = '') =>
      [
        `${method} ${target} SIP/2.0`,
        `Via: SIP/2.0/UDP ${local};branch=z9hG4bK${branch};rport`,
        'Max-Forwards: 70',
        `From: <sip:raw@127.0.0.1>;tag=raw${callId}`,
        `To: <sip:1001@127.0.0.1>${toTag ? `;tag=${toTag}` : ''}`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} ${method}`,
        `Contact: <sip:raw@${local}>`,
        ...headers,
        `Content-Length: ${Buffer.byteLength(body)}`,
        '',
        body,
      ].join('\r\n');
    const send = (text: string) => socket.send(text, gateway.port, gateway.address);
    /** The `nth` final response (counting from 1) to CSeq `cseq`. */
    const finalResponse = (cseq: string, nth = 1) =>
      waitFor(`final response ${nth} to CSeq ${cseq}`, () => {
        const finals = received.filter(
          (text) => /^SIP\/2\.0 [2-6]\d\d /.test(text) && new RegExp(`^CSeq: ${cseq}\\r?$`, 'mi').test(text),
        );
        return finals[nth - 1];
      });
    const status = (response: string) => response.slice(8, 11);

    const sdp = [
      'v=0',
      'o=raw 1 1 IN IP4 127.0.0.1',
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      'm=audio 40000 RTP/AVP 0',
      'a=rtpmap:0 PCMU/8000',
      '',
    ].join('\r\n');
    send(message('INVITE', 1, `${callId}i`, ['Content-Type: application/sdp'], sdp));
    const ok = await finalResponse('1 INVITE');
    expect(status(ok)).toBe('200');
    toTag = /^To:.*;tag=([^;\r\n]+)/im.exec(ok)![1]!;
    target = /^Contact:\s*<([^>]+)>/im.exec(ok)![1]!;
    send(message('ACK', 1, `${callId}a`));
    await waitFor('the call to be answered', () => legEvents.some((event) => event.type === 'answered'));

    const info = message(
      'INFO',
      2,
      `${callId}n`,
      ['Content-Type: application/dtmf-relay'],
      'Signal=5\r\nDuration=160\r\n',
    );
    send(info);
    const firstInfo = await finalResponse('2 INFO');
    send(info);
    const secondInfo = await finalResponse('2 INFO', 2);
    expect(status(firstInfo)).toBe('200');
    expect(secondInfo).toBe(firstInfo);

    const update = message('UPDATE', 3, `${callId}u`);
    send(update);
    const firstUpdate = await finalResponse('3 UPDATE');
    send(update);
    expect(status(firstUpdate)).toBe('200');
    expect(await finalResponse('3 UPDATE', 2)).toBe(firstUpdate);

    const bye = message('BYE', 4, `${callId}b`);
    send(bye);
    const firstBye = await finalResponse('4 BYE');
    send(bye);
    expect(status(firstBye)).toBe('200');
    expect(await finalResponse('4 BYE', 2)).toBe(firstBye);

    expect(legEvents.filter((event) => event.type === 'dtmf')).toHaveLength(1);
    expect(legEvents.filter((event) => event.type === 'ended')).toHaveLength(1);
  });
});
