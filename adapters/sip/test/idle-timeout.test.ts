// The TCP idle timeout (`connectionIdleTimeoutSec`, 1 s here): a connection that carries no SIP message is
// closed, whether it never said anything or its last request is done; a connection that carries a call, or
// the registration of an account, stays open however quiet it is, and is closed once the call has ended.
// A silent "probe" connection opened after the last message of the connection under test shows when the
// timeout has passed for both: when the probe is closed, the other one was idle for at least as long.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { SipAdapter } from '@cubebridge/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RtpTestPeer } from '../../../test/harness/sip/RtpTestPeer.ts';
import { sipAdapter } from '../src/index.ts';
import { firstHeader, parseUriTarget } from '../src/transport/SipWireMessage.ts';
import { answerEveryCall, recordingContext } from './support.ts';
import { type StreamPeer, streamPeer } from './streamPeer.ts';

const idleTimeoutSec = 1;

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Opens a silent connection and waits until the adapter has closed it. */
async function silentProbeClosed(port: number): Promise<void> {
  const probe = streamPeer(await open(port));
  await probe.waitClosed();
}

function request(
  client: StreamPeer,
  method: string,
  uri: string,
  dialog: { callId: string; cseq: number; toTag?: string },
  headers: readonly string[] = [],
  body = '',
): void {
  const local = `127.0.0.1:${client.socket.localPort}`;
  client.send(
    [
      `${method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/TCP ${local};branch=z9hG4bK${dialog.callId}${dialog.cseq}${method};rport`,
      'Max-Forwards: 70',
      `From: <sip:raw@127.0.0.1>;tag=raw${dialog.callId}`,
      `To: <sip:100@127.0.0.1>${dialog.toTag ? `;tag=${dialog.toTag}` : ''}`,
      `Call-ID: ${dialog.callId}`,
      `CSeq: ${dialog.cseq} ${method}`,
      `Contact: <sip:raw@${local};transport=tcp>`,
      ...headers,
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n'),
  );
}

describe('TCP idle timeout on a trunk', () => {
  let adapter: SipAdapter & { trunkAddress: { address: string; port: number } | undefined };
  const peers: RtpTestPeer[] = [];
  let port = 0;

  beforeAll(async () => {
    adapter = sipAdapter({
      trunk: { listen: { host: '127.0.0.1', port: 0 }, transport: 'tcp' },
      connectionIdleTimeoutSec: idleTimeoutSec,
    });
    await adapter.start(recordingContext().context);
    port = adapter.trunkAddress?.port ?? 0;
    answerEveryCall(adapter, peers);
  });
  afterAll(async () => {
    await adapter?.stop();
    for (const peer of peers) peer.close();
  });

  it('closes a connection that never sends anything', async () => {
    const client = streamPeer(await open(port));
    await client.waitClosed();
    expect(client.received).toEqual([]);
  });

  it('closes a connection whose OPTIONS was answered and that then stays quiet', async () => {
    const client = streamPeer(await open(port));
    request(client, 'OPTIONS', `sip:100@127.0.0.1:${port};transport=tcp`, {
      callId: 'idle-options',
      cseq: 1,
    });
    const answer = await client.next((message) => message.status !== undefined);
    expect(answer.status).toBe(200);
    await client.waitClosed();
  });

  it('keeps a quiet connection that carries a call, and closes it once the call has ended', async () => {
    const media = await RtpTestPeer.open({ toneHz: 440 });
    peers.push(media);
    const client = streamPeer(await open(port));
    const uri = `sip:100@127.0.0.1:${port};transport=tcp`;
    const callId = `idle-call-${Date.now()}`;
    request(
      client,
      'INVITE',
      uri,
      { callId, cseq: 1 },
      ['Content-Type: application/sdp'],
      await media.createOffer(),
    );
    const ok = await client.next((message) => message.status === 200);
    const toTag = /;\s*tag=([^;\s]+)/.exec(firstHeader(ok, 'to') ?? '')?.[1];
    expect(toTag).toBeDefined();
    // RFC 3261 §12.2.1.1: in-dialog requests go to the remote target, the 200's Contact.
    const target = /<([^>]+)>/.exec(firstHeader(ok, 'contact') ?? '')?.[1] as string;
    request(client, 'ACK', target, { callId, cseq: 1, toTag: toTag as string });
    // Two probes: by the time the first is closed, the ACK has certainly been read; when the second is, the
    // call's connection has been quiet for longer than the timeout.
    await silentProbeClosed(port);
    await silentProbeClosed(port);
    expect(client.closed).toBe(false);
    const since = client.received.length;
    request(client, 'BYE', target, { callId, cseq: 2, toTag: toTag as string });
    const byeAnswer = await client.next((message) => message.status !== undefined, { since });
    expect(byeAnswer.status).toBe(200);
    await client.waitClosed();
  });
});

describe('TCP idle timeout on an account', () => {
  let registrar: Server;
  const connections: StreamPeer[] = [];
  let registrarPort = 0;

  beforeAll(async () => {
    // A registrar of a few lines on TCP: 200 OK (600 s) to every REGISTER, each connection kept for the test.
    registrar = createServer((socket) => {
      const peer = streamPeer(socket);
      connections.push(peer);
      let answered = 0;
      socket.on('data', () => {
        for (const message of peer.received.slice(answered)) {
          answered++;
          if (message.method === 'REGISTER')
            peer.reply(message, 200, 'OK', [`Contact: ${firstHeader(message, 'contact')};expires=600`]);
        }
      });
    });
    await new Promise<void>((resolve) => registrar.listen(0, '127.0.0.1', resolve));
    const address = registrar.address();
    registrarPort = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(async () => {
    for (const connection of connections) connection.socket.destroy();
    await new Promise<void>((resolve) => registrar?.close(() => resolve()));
  });

  it('keeps the connection of a registration open while it is quiet', async () => {
    const recorder = recordingContext();
    const adapter = sipAdapter({
      accounts: [
        {
          aor: 'sip:ida@127.0.0.1',
          registrar: `sip:127.0.0.1:${registrarPort}`,
          transport: { kind: 'tcp' },
          keepaliveSec: 0,
        },
      ],
      connectionIdleTimeoutSec: idleTimeoutSec,
    });
    try {
      await adapter.start(recorder.context);
      await recorder.waitEvent('registration.registered');
      expect(connections).toHaveLength(1);
      const registration = connections[0] as StreamPeer;
      // The account listens too (for requests to its Contact): probe that listener.
      const contact = parseUriTarget(firstHeader(registration.received[0] as never, 'contact') ?? '');
      // The REGISTER's Allow is what the gateway answers, not sip.js's hard-coded list (MESSAGE, no UPDATE).
      expect(firstHeader(registration.received[0] as never, 'allow')).toBe(
        'ACK,BYE,CANCEL,INFO,INVITE,NOTIFY,OPTIONS,PRACK,REFER,UPDATE',
      );
      await silentProbeClosed(contact?.port ?? 0);
      await silentProbeClosed(contact?.port ?? 0);
      expect(registration.closed).toBe(false);
      const registers = registration.received.length;
      await adapter.stop();
      // The un-REGISTER went out on the same connection.
      expect(registration.received.length).toBeGreaterThan(registers);
      expect(connections).toHaveLength(1);
    } finally {
      await adapter.stop();
    }
  });
});
