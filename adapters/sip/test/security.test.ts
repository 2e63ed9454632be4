// The trunk's security defaults against raw UDP/TCP sockets and sipp on loopback (the test namespace has all of
// 127/8, so each test speaks from its own source address): a burst over the rate limit gets no answer (or 503)
// and the source stays blocked for the block period while another source is still answered; requests of a live
// call are never limited; scanner User-Agents get nothing; every refusal leaves exactly one log line of the
// documented shape. Also the default Min-SE (90 s, RFC 4028).
import dgram from 'node:dgram';
import { connect } from 'node:net';
import type { AdapterContext } from '@cubebridge/core';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/harness/sip/processes.ts';
import type { RtpTestPeer } from '../../../test/harness/sip/RtpTestPeer.ts';
import { runSipp, stopSipps } from '../../../test/harness/sip/sipp.ts';
import { sipAdapter } from '../src/index.ts';
import { SourceRateLimiter } from '../src/roles/SourceRateLimiter.ts';
import { securityLogMessage } from '../src/roles/TrunkSecurity.ts';
import { firstHeader, parseWireMessage, type SipWireMessage } from '../src/transport/SipWireMessage.ts';
import { streamPeer } from './streamPeer.ts';
import { answerEveryCall } from './support.ts';

interface SecurityLine {
  readonly level: number;
  readonly msg: string;
  readonly reason: string;
  readonly ip: string;
  readonly port: number;
  readonly method?: string;
  readonly userAgent?: string;
}

/** An adapter context whose logger keeps every line (JSON, as pino writes it in production). */
function capturingContext(): {
  context: AdapterContext;
  raw: string[];
  security: (ip: string) => SecurityLine[];
} {
  const raw: string[] = [];
  const context: AdapterContext = {
    logger: pino({ level: 'info' }, { write: (line: string) => raw.push(line) }),
    emit: () => undefined,
    signal: new AbortController().signal,
  };
  const security = (ip: string) =>
    raw
      .map((line) => JSON.parse(line) as SecurityLine)
      .filter((line) => line.msg === securityLogMessage && line.ip === ip);
  return { context, raw, security };
}

interface UdpPeer {
  readonly address: string;
  readonly port: number;
  readonly received: SipWireMessage[];
  send(text: string): void;
  /** Responses received for a Call-ID. */
  answers(callId: string): SipWireMessage[];
  close(): void;
}

async function udpPeer(address: string, target: { address: string; port: number }): Promise<UdpPeer> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  const received: SipWireMessage[] = [];
  socket.on('message', (data) => {
    const message = parseWireMessage(data.toString('utf8'));
    if (message) received.push(message);
  });
  return {
    address,
    port: socket.address().port,
    received,
    send: (text) => socket.send(text, target.port, target.address),
    answers: (callId) =>
      received.filter(
        (message) => message.status !== undefined && firstHeader(message, 'call-id') === callId,
      ),
    close: () => socket.close(),
  };
}

let sequence = 0;
/** A well-formed out-of-dialog request from `from` (UDP or TCP in the Via). */
function request(
  from: { address: string; port: number },
  method: string,
  options: { userAgent?: string; transport?: 'UDP' | 'TCP'; headers?: readonly string[]; body?: string } = {},
): { text: string; callId: string } {
  const callId = `sec${process.pid}x${++sequence}x${Date.now()}`;
  const body = options.body ?? '';
  const lines = [
    `${method} sip:1001@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/${options.transport ?? 'UDP'} ${from.address}:${from.port};branch=z9hG4bK${callId};rport`,
    'Max-Forwards: 70',
    `From: <sip:probe@${from.address}>;tag=f${callId}`,
    'To: <sip:1001@127.0.0.1>',
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
    `Contact: <sip:probe@${from.address}:${from.port}>`,
    ...(options.userAgent ? [`User-Agent: ${options.userAgent}`] : []),
    ...(options.headers ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  return { text: `${lines.join('\r\n')}\r\n\r\n${body}`, callId };
}

describe('trunk security over UDP (rate limit: 5 requests / 2 s, block 3 s)', () => {
  const log = capturingContext();
  const adapter = sipAdapter({
    trunk: {
      listen: { host: '127.0.0.1', port: 0 },
      allowFrom: ['127.0.0.0/29'],
      security: { rateLimit: { requests: 5, windowSec: 2, blockSec: 3 } },
    },
  });
  const peers: RtpTestPeer[] = [];
  const sockets: UdpPeer[] = [];
  let target: { address: string; port: number };

  beforeAll(async () => {
    await adapter.start(log.context);
    target = adapter.trunkAddress as { address: string; port: number };
    answerEveryCall(adapter, peers);
  });

  afterEach(async () => {
    await stopSipps();
    for (const peer of peers.splice(0)) peer.close();
    for (const socket of sockets.splice(0)) socket.close();
  });

  afterAll(async () => {
    await adapter.stop();
  });

  async function peer(address: string): Promise<UdpPeer> {
    const created = await udpPeer(address, target);
    sockets.push(created);
    return created;
  }

  it('drops a burst over the limit and blocks its source for the block period; another source is still answered', async () => {
    const flooder = await peer('127.0.0.3');
    const burst = Array.from({ length: 8 }, () =>
      request(flooder, 'OPTIONS', { userAgent: 'burst-test/1.0' }),
    );
    for (const each of burst) flooder.send(each.text);
    await waitFor('the first 5 OPTIONS answered', () =>
      burst.slice(0, 5).every((each) => flooder.answers(each.callId).length > 0),
    );

    // Meanwhile another source is answered as usual.
    const other = await peer('127.0.0.2');
    const probe = request(other, 'OPTIONS', { userAgent: 'burst-test/1.0' });
    other.send(probe.text);
    const [answer] = await waitFor('OPTIONS from 127.0.0.2 answered', () => {
      const found = other.answers(probe.callId);
      return found.length > 0 ? found : undefined;
    });
    expect(answer?.status).toBe(200);

    // The flooder asks every 100 ms until it is answered again: that is when the block is over.
    const polls: string[] = [];
    const answered = await waitFor(
      'the block to end',
      () => {
        const done = polls.find((callId) => flooder.answers(callId).length > 0);
        if (done) return done;
        const poll = request(flooder, 'OPTIONS', { userAgent: 'burst-test/1.0' });
        polls.push(poll.callId);
        flooder.send(poll.text);
        return undefined;
      },
      15_000,
    );
    // Everything sent before the answered poll was handled before it: what got no answer by now never will.
    expect(burst.map((each) => flooder.answers(each.callId).map((message) => message.status))).toEqual([
      [200],
      [200],
      [200],
      [200],
      [200],
      [],
      [],
      [],
    ]);
    const index = polls.indexOf(answered);
    expect(index).toBeGreaterThanOrEqual(1); // sent after 127.0.0.2 was answered, while still blocked
    expect(polls.slice(0, index).filter((callId) => flooder.answers(callId).length > 0)).toEqual([]);

    expect(log.security('127.0.0.3')).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'SIP security: refused',
        reason: 'rate-limited',
        ip: '127.0.0.3',
        port: flooder.port,
        method: 'OPTIONS',
        userAgent: 'burst-test/1.0',
      }),
    ]);
    expect(log.security('127.0.0.2')).toEqual([]);
  });

  it('never limits the requests of a live call (INVITE, ACK, 8 INFOs, BYE from one source)', async () => {
    const sipp = await runSipp({
      scenario: 'uac_info_burst.xml',
      remote: `${target.address}:${target.port}`,
      service: '1001',
      localIp: '127.0.0.7',
    });
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    // Counted, the 11 requests would have blocked 127.0.0.7 (one log line, and the INFOs dropped until sipp's
    // retransmissions outlived the block).
    expect(log.security('127.0.0.7')).toEqual([]);
  });

  it('drops requests from scanner User-Agents silently, logged once per source; a normal UA gets 200', async () => {
    const scanner = await peer('127.0.0.5');
    const probes = [
      request(scanner, 'OPTIONS', { userAgent: 'friendly-scanner' }),
      request(scanner, 'OPTIONS', { userAgent: 'SIPVicious 0.3.4' }),
      request(scanner, 'REGISTER', { userAgent: 'sipcli/v1.8' }),
      request(scanner, 'INVITE', { userAgent: 'VaxSIPUserAgent/3.1' }),
    ];
    for (const each of probes) scanner.send(each.text);
    const normal = request(scanner, 'OPTIONS', { userAgent: 'Asterisk PBX 20.5.0' });
    scanner.send(normal.text);
    const [answer] = await waitFor('the normal OPTIONS answered', () => {
      const found = scanner.answers(normal.callId);
      return found.length > 0 ? found : undefined;
    });
    expect(answer?.status).toBe(200);
    // Sent earlier on the same socket, their answers (if any) would have come first.
    expect(probes.map((each) => scanner.answers(each.callId).length)).toEqual([0, 0, 0, 0]);
    expect(log.security('127.0.0.5')).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'SIP security: refused',
        reason: 'scanner',
        ip: '127.0.0.5',
        port: scanner.port,
        method: 'OPTIONS',
        userAgent: 'friendly-scanner',
      }),
    ]);
  });

  it('logs one line for each request refused by the allow-list (403)', async () => {
    const outsider = await peer('127.0.0.9');
    const first = request(outsider, 'OPTIONS', { userAgent: 'outsider/1' });
    const second = request(outsider, 'INVITE', { userAgent: 'outsider/1' });
    outsider.send(first.text);
    outsider.send(second.text);
    await waitFor('both refused', () =>
      [first, second].every((each) => outsider.answers(each.callId).length > 0),
    );
    expect([first, second].map((each) => outsider.answers(each.callId)[0]?.status)).toEqual([403, 403]);
    expect(log.security('127.0.0.9')).toEqual([
      expect.objectContaining({
        reason: 'not-allowed',
        ip: '127.0.0.9',
        port: outsider.port,
        method: 'OPTIONS',
      }),
      expect.objectContaining({
        reason: 'not-allowed',
        ip: '127.0.0.9',
        port: outsider.port,
        method: 'INVITE',
      }),
    ]);
  });

  it('answers an INVITE asking for less than the default Min-SE of 90 s with 422', async () => {
    const caller = await peer('127.0.0.1');
    const sdp =
      'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
    const invite = request(caller, 'INVITE', {
      headers: ['Supported: timer', 'Session-Expires: 60', 'Content-Type: application/sdp'],
      body: sdp,
    });
    caller.send(invite.text);
    const final = await waitFor('a final response', () =>
      caller.answers(invite.callId).find((message) => (message.status ?? 0) >= 200),
    );
    expect(final.status).toBe(422);
    expect(firstHeader(final, 'min-se')).toBe('90');
    // ACK it, so the gateway stops retransmitting the 422.
    caller.send(
      invite.text
        .replace(/^INVITE /, 'ACK ')
        .replace('CSeq: 1 INVITE', 'CSeq: 1 ACK')
        .replace('To: <sip:1001@127.0.0.1>', `To: ${firstHeader(final, 'to')}`)
        .replace(/Content-Type: application\/sdp\r\n/, '')
        .replace(/Content-Length: \d+\r\n\r\n[\s\S]*$/, 'Content-Length: 0\r\n\r\n'),
    );
  });
});

describe('trunk security over TCP (answer: reject → 503 with Retry-After)', () => {
  const log = capturingContext();
  const adapter = sipAdapter({
    trunk: {
      listen: { host: '127.0.0.1', port: 0 },
      transport: 'tcp',
      security: { rateLimit: { requests: 3, windowSec: 10, blockSec: 60, answer: 'reject' } },
    },
  });
  let target: { address: string; port: number };

  beforeAll(async () => {
    await adapter.start(log.context);
    target = adapter.trunkAddress as { address: string; port: number };
  });

  afterAll(async () => {
    await adapter.stop();
  });

  async function connection(localAddress: string) {
    const socket = connect({ host: target.address, port: target.port, localAddress });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return { peer: streamPeer(socket), from: { address: localAddress, port: socket.localPort ?? 0 } };
  }

  it('answers the requests over the limit with 503 and Retry-After; another source still gets 200', async () => {
    const { peer, from } = await connection('127.0.0.4');
    try {
      const burst = Array.from({ length: 5 }, () =>
        request(from, 'OPTIONS', { transport: 'TCP', userAgent: 'burst-test/2.0' }),
      );
      for (const each of burst) peer.send(each.text);
      await waitFor('5 responses', () => peer.received.length >= 5 || undefined);
      const statusOf = (callId: string) =>
        peer.received.find((message) => firstHeader(message, 'call-id') === callId)?.status;
      expect(burst.map((each) => statusOf(each.callId))).toEqual([200, 200, 200, 503, 503]);
      const refused = peer.received.filter((message) => message.status === 503);
      for (const message of refused) {
        const retryAfter = Number(firstHeader(message, 'retry-after'));
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(60);
      }

      const other = await connection('127.0.0.2');
      try {
        const probe = request(other.from, 'OPTIONS', { transport: 'TCP' });
        other.peer.send(probe.text);
        const answer = await other.peer.next((message) => firstHeader(message, 'call-id') === probe.callId);
        expect(answer.status).toBe(200);
      } finally {
        other.peer.socket.destroy();
      }

      expect(log.security('127.0.0.4')).toEqual([
        expect.objectContaining({
          level: 40,
          msg: 'SIP security: refused',
          reason: 'rate-limited',
          ip: '127.0.0.4',
          port: from.port,
          method: 'OPTIONS',
          userAgent: 'burst-test/2.0',
        }),
      ]);
      expect(log.security('127.0.0.2')).toEqual([]);
    } finally {
      peer.socket.destroy();
    }
  });
});

describe('trunk security defaults with a digest challenge', () => {
  const password = 'right-pa55word-never-logged';
  const wrongPassword = 'wrong-pa55word-never-logged';
  const log = capturingContext();
  // No `security` option: the defaults (30 requests / 2 s, scanner list) are on.
  const adapter = sipAdapter({
    trunk: {
      listen: { host: '127.0.0.1', port: 0 },
      auth: { realm: 'gateway.test', users: { alice: password } },
    },
  });
  const sockets: UdpPeer[] = [];
  let target: { address: string; port: number };

  beforeAll(async () => {
    await adapter.start(log.context);
    target = adapter.trunkAddress as { address: string; port: number };
  });

  afterEach(async () => {
    await stopSipps();
    for (const socket of sockets.splice(0)) socket.close();
  });

  afterAll(async () => {
    await adapter.stop();
  });

  it('logs one line for wrong credentials (403), none for the 401 challenge, and no secret', async () => {
    const sipp = await runSipp({
      scenario: 'uac_digest_refused.xml',
      remote: `${target.address}:${target.port}`,
      service: '1001',
      localIp: '127.0.0.6',
      variables: { user: 'alice', password: wrongPassword },
    });
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(log.security('127.0.0.6')).toEqual([
      expect.objectContaining({ level: 40, reason: 'digest', ip: '127.0.0.6', method: 'INVITE' }),
    ]);
    const everything = log.raw.join('\n');
    expect(everything).not.toContain(password);
    expect(everything).not.toContain(wrongPassword);
    expect(everything).not.toMatch(/response="?[0-9a-f]{32}/);
  });

  it('drops a scanner by default', async () => {
    const scanner = await udpPeer('127.0.0.8', target);
    sockets.push(scanner);
    const probe = request(scanner, 'OPTIONS', { userAgent: 'friendly-scanner' });
    const normal = request(scanner, 'OPTIONS', { userAgent: 'FPBX-16.0.40(18.20.0)' });
    scanner.send(probe.text);
    scanner.send(normal.text);
    await waitFor('the normal OPTIONS answered', () => scanner.answers(normal.callId).length > 0);
    expect(scanner.answers(probe.callId)).toEqual([]);
    expect(log.security('127.0.0.8').map((line) => line.reason)).toEqual(['scanner']);
  });
});

describe('SourceRateLimiter (fake clock)', () => {
  it('blocks past the limit for the block period, quietly after the first refusal, then starts afresh', () => {
    let now = 0;
    const limiter = new SourceRateLimiter(
      { requests: 2, windowMs: 1000, blockMs: 5000, maxSources: 10 },
      () => now,
    );
    expect(limiter.hit('a').kind).toBe('pass');
    now = 500;
    expect(limiter.hit('a').kind).toBe('pass');
    now = 1200; // the first hit left the window
    expect(limiter.hit('a').kind).toBe('pass');
    expect(limiter.hit('a')).toEqual({ kind: 'blocked', started: true, retryAfterSec: 5 });
    now = 3200;
    expect(limiter.hit('a')).toEqual({ kind: 'blocked', started: false, retryAfterSec: 3 });
    expect(limiter.hit('b').kind).toBe('pass');
    now = 6200;
    expect(limiter.hit('a').kind).toBe('pass');
    expect(limiter.hit('a').kind).toBe('pass');
  });

  it('tracks at most maxSources, and forgets sources with nothing left to remember', () => {
    let now = 0;
    const limiter = new SourceRateLimiter(
      { requests: 5, windowMs: 1000, blockMs: 2000, maxSources: 3 },
      () => now,
    );
    for (const source of ['a', 'b', 'c', 'd', 'e']) limiter.hit(source);
    expect(limiter.size).toBe(3);
    now = 5000; // everything expired: the next hit sweeps
    limiter.hit('f');
    expect(limiter.size).toBe(1);
  });
});
