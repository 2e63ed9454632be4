// Hardened parsing over UDP and TCP: a corpus of malformed messages, each answered 400 (513 when too large)
// or dropped when it cannot be answered; the adapter keeps working: OPTIONS is answered and a normal call
// (sipp) still goes through afterwards. Over TCP a broken frame also ends the connection.
import dgram from 'node:dgram';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RtpTestPeer } from '../../../test/harness/sip/RtpTestPeer.ts';
import { runSipp, stopSipps } from '../../../test/harness/sip/sipp.ts';
import type { SipAdapter } from '@cubebridge/core';
import { sipAdapter } from '../src/index.ts';
import { answerEveryCall, recordingContext } from './support.ts';

type Expected = 400 | 513 | 'dropped';

/** A well-formed request to start from; each corpus entry breaks one thing. */
function request(
  callId: string,
  overrides: { start?: string; headers?: Record<string, string | null>; body?: string } = {},
): string {
  const body = overrides.body ?? '';
  const headers: Record<string, string | null> = {
    Via: `SIP/2.0/UDP 127.0.0.1:${client?.port ?? 5060};branch=z9hG4bK${callId}`,
    'Max-Forwards': '70',
    From: `<sip:fuzz@127.0.0.1>;tag=${callId}`,
    To: '<sip:1001@127.0.0.1>',
    'Call-ID': callId,
    CSeq: '1 OPTIONS',
    'Content-Length': String(Buffer.byteLength(body)),
    ...overrides.headers,
  };
  const lines = Object.entries(headers).flatMap(([name, value]) =>
    value === null ? [] : [`${name}: ${value}`],
  );
  return `${overrides.start ?? 'OPTIONS sip:1001@127.0.0.1 SIP/2.0'}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** `tcp`: what differs on a stream, where an unfinished message simply waits for more bytes. */
const corpus: ReadonlyArray<{
  name: string;
  expected: Expected;
  tcp?: Expected;
  message: (callId: string) => string | Buffer;
}> = [
  {
    name: 'truncated (no end of headers)',
    expected: 400,
    tcp: 'dropped',
    message: (id) => request(id).replace(/\r\n\r\n$/, '\r\nAccept: appl'),
  },
  {
    name: 'Content-Length larger than the body',
    expected: 400,
    tcp: 'dropped',
    message: (id) => request(id, { headers: { 'Content-Length': '500' }, body: 'short' }),
  },
  {
    name: 'Content-Length not a number',
    expected: 400,
    message: (id) => request(id, { headers: { 'Content-Length': 'ten' } }),
  },
  { name: 'missing Call-ID', expected: 400, message: (id) => request(id, { headers: { 'Call-ID': null } }) },
  { name: 'missing CSeq', expected: 400, message: (id) => request(id, { headers: { CSeq: null } }) },
  {
    name: 'missing Via (cannot be answered)',
    expected: 'dropped',
    message: (id) => request(id, { headers: { Via: null } }),
  },
  {
    name: 'unreadable Via (cannot be answered)',
    expected: 'dropped',
    message: (id) => request(id, { headers: { Via: 'garbage;;;' } }),
  },
  {
    name: 'CSeq method differs from the request',
    expected: 400,
    message: (id) => request(id, { headers: { CSeq: '1 INVITE' } }),
  },
  {
    name: 'CSeq number out of range',
    expected: 400,
    message: (id) => request(id, { headers: { CSeq: '99999999999 OPTIONS' } }),
  },
  {
    name: 'From the grammar rejects',
    expected: 400,
    message: (id) => request(id, { headers: { From: '<<<sip:@@@>>>;tag=' } }),
  },
  {
    name: 'huge header (20 kB)',
    expected: 513,
    message: (id) => request(id, { headers: { 'X-Huge': 'a'.repeat(20_000) } }),
  },
  {
    name: 'too many headers (300)',
    expected: 513,
    message: (id) => request(id).replace('\r\n\r\n', `\r\n${'X-Many: 1\r\n'.repeat(300)}\r\n`),
  },
  {
    name: 'oversized message (40 kB body)',
    expected: 513,
    message: (id) => request(id, { body: 'x'.repeat(40_000) }),
  },
  {
    name: 'INVITE with bad SDP',
    expected: 400,
    message: (id) =>
      request(id, {
        start: 'INVITE sip:1001@127.0.0.1 SIP/2.0',
        headers: { CSeq: '1 INVITE', 'Content-Type': 'application/sdp', Contact: '<sip:fuzz@127.0.0.1>' },
        body: 'this is not SDP\r\n',
      }),
  },
  { name: 'no SIP start line', expected: 'dropped', message: (id) => request(id, { start: 'HELLO WORLD' }) },
  {
    name: 'random bytes',
    expected: 'dropped',
    message: () => Buffer.from(Array.from({ length: 600 }, (_, index) => (index * 7919) % 256)),
  },
  {
    name: 'a response nobody asked for, without headers',
    expected: 'dropped',
    message: () => 'SIP/2.0 200 OK\r\n\r\n',
  },
];

// Set by the UDP suite; the TCP suite's messages name no reachable UDP port and need none.
let client: { socket: dgram.Socket; port: number; received: string[] };

/** The same message as sent over TCP (its Via names the transport). */
function overTcp(message: string | Buffer): string | Buffer {
  return typeof message === 'string' ? message.replace('SIP/2.0/UDP', 'SIP/2.0/TCP') : message;
}

function statusOf(reply: string | undefined): Expected {
  const status = /^SIP\/2\.0 (\d{3}) /.exec(reply ?? '')?.[1];
  return status === undefined ? 'dropped' : (Number(status) as Expected);
}

describe('malformed messages over UDP', () => {
  const recorder = recordingContext();
  const adapter = sipAdapter({
    trunk: { listen: { host: '127.0.0.1', port: 0 } },
    limits: { maxMessageBytes: 32_768 },
  });
  let target: { address: string; port: number };

  beforeAll(async () => {
    await adapter.start(recorder.context);
    target = adapter.trunkAddress as { address: string; port: number };
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    client = { socket, port: socket.address().port, received: [] };
    socket.on('message', (message) => client.received.push(message.toString()));
  });

  afterAll(async () => {
    client?.socket.close();
    await adapter.stop();
  });

  async function exchange(message: string | Buffer, callId: string): Promise<string | undefined> {
    client.socket.send(message, target.port, target.address);
    const deadline = Date.now() + 700;
    while (Date.now() < deadline) {
      const reply = client.received.find(
        (text) => text.includes(callId) || text.includes(`branch=z9hG4bK${callId}`),
      );
      if (reply) return reply;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return undefined;
  }

  for (const [index, entry] of corpus.entries()) {
    it(`${entry.name}: ${entry.expected === 'dropped' ? 'dropped' : `answered ${entry.expected}`}`, async () => {
      const callId = `fuzz${index}x${Date.now()}`;
      const reply = await exchange(entry.message(callId), callId);
      expect(statusOf(reply)).toBe(entry.expected);
    });
  }

  it('still answers OPTIONS with 200 after the corpus', async () => {
    const callId = `options${Date.now()}`;
    const reply = await exchange(request(callId), callId);
    expect(reply?.split('\r\n')[0]).toBe('SIP/2.0 200 OK');
  });

  it('still takes a normal call after the corpus', () => normalCallSucceeds(adapter, target, 'udp'));
});

describe('malformed messages over TCP', () => {
  const recorder = recordingContext();
  const adapter = sipAdapter({
    trunk: { listen: { host: '127.0.0.1', port: 0 }, transport: 'tcp' },
    limits: { maxMessageBytes: 32_768 },
  });
  let target: { address: string; port: number };

  beforeAll(async () => {
    await adapter.start(recorder.context);
    target = adapter.trunkAddress as { address: string; port: number };
  });

  afterAll(async () => {
    await adapter.stop();
  });

  /** One connection per message: what comes back within 700 ms, and whether the gateway closed it. */
  async function exchange(message: string | Buffer): Promise<{ reply: string; closed: boolean }> {
    const socket = connect(target.port, target.address);
    let reply = '';
    let closed = false;
    socket.on('data', (data) => {
      reply += data.toString();
    });
    socket.on('close', () => {
      closed = true;
    });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(message);
    const deadline = Date.now() + 700;
    while (Date.now() < deadline && !closed && !/\r\n\r\n/.test(reply))
      await new Promise((resolve) => setTimeout(resolve, 20));
    socket.destroy();
    return { reply, closed };
  }

  for (const [index, entry] of corpus.entries()) {
    const expected = entry.tcp ?? entry.expected;
    it(`${entry.name}: ${expected === 'dropped' ? 'dropped' : `answered ${expected}`}`, async () => {
      const { reply } = await exchange(overTcp(entry.message(`tcpfuzz${index}x${Date.now()}`)));
      expect(statusOf(reply)).toBe(expected);
    });
  }

  it('closes the connection after a frame without Content-Length', async () => {
    const message = overTcp(request(`nocl${Date.now()}`, { headers: { 'Content-Length': null } }));
    const { reply, closed } = await exchange(message);
    expect(statusOf(reply)).toBe(400);
    expect(closed).toBe(true);
  });

  it('answers a CRLF keepalive ping with CRLF, then OPTIONS with 200 on the same connection', async () => {
    const { reply } = await exchange(`\r\n\r\n${overTcp(request(`ping${Date.now()}`))}`);
    expect(reply.startsWith('\r\nSIP/2.0 200 OK')).toBe(true);
  });

  it('still takes a normal call over TCP after the corpus', () => normalCallSucceeds(adapter, target, 'tcp'));
});

/** A plain sipp call to the trunk, answered by the adapter, must complete (the process and transport survived). */
async function normalCallSucceeds(
  adapter: SipAdapter,
  target: { address: string; port: number },
  transport: 'udp' | 'tcp',
): Promise<void> {
  const peers: RtpTestPeer[] = [];
  const subscription = answerEveryCall(adapter, peers);
  try {
    const sipp = await runSipp({
      scenario: 'uac_call.xml',
      remote: `${target.address}:${target.port}`,
      service: '1001',
      ...(transport === 'tcp' ? { transport } : {}),
    });
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
  } finally {
    await stopSipps();
    subscription.unsubscribe();
    for (const peer of peers) peer.close();
  }
}
