// The trunk's digest challenge: sipp callers with the right and the wrong password, the allow-list still
// refusing first, and the nonce rules (expiry → stale=true, replayed nonce count refused) on crafted requests.
import { createHash } from 'node:crypto';
import type { AdapterContext, IncomingSipCall } from '@cubebridge/core';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RtpTestPeer } from '../../../test/harness/sip/RtpTestPeer.ts';
import { runSipp, stopSipps } from '../../../test/harness/sip/sipp.ts';
import { sipAdapter } from '../src/index.ts';
import { TrunkDigestAuth } from '../src/roles/TrunkDigestAuth.ts';
import { parseWireMessage } from '../src/transport/SipWireMessage.ts';
import { answerEveryCall } from './support.ts';

const password = 'pa55-w0rd-never-logged';

describe('trunk digest challenge with sipp', () => {
  // Everything the adapter logs, at the most verbose level, to prove the password never shows.
  const logLines: string[] = [];
  const context: AdapterContext = {
    logger: pino({ level: 'trace' }, { write: (line: string) => logLines.push(line) }),
    emit: () => undefined,
    signal: new AbortController().signal,
  };
  const adapter = sipAdapter({
    trunk: {
      listen: { host: '127.0.0.1', port: 0 },
      allowFrom: ['127.0.0.1/32'],
      auth: { realm: 'gateway.test', users: { alice: password } },
    },
  });
  const peers: RtpTestPeer[] = [];
  const incoming: IncomingSipCall[] = [];
  let trunk = '';

  beforeAll(async () => {
    await adapter.start(context);
    const address = adapter.trunkAddress;
    if (!address) throw new Error('trunk did not bind');
    trunk = `${address.address}:${address.port}`;
    answerEveryCall(adapter, peers, incoming);
  });

  afterEach(async () => {
    await stopSipps();
    for (const peer of peers.splice(0)) peer.close();
  });

  afterAll(async () => {
    await adapter.stop();
  });

  it('challenges an INVITE with 401, then answers it with the right credentials; the call runs to BYE', async () => {
    const sipp = await runSipp({
      scenario: 'uac_digest_call.xml',
      remote: trunk,
      service: '1001',
      variables: { user: 'alice', password },
    });
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(result.messages).toMatch(
      /^WWW-Authenticate: Digest realm="gateway\.test", nonce="[^"]+", algorithm=MD5, qop="auth"\r?$/m,
    );
    expect(result.messages).toMatch(/^Authorization: Digest .*username="alice"/m);
    expect(incoming.length).toBe(1);
    expect(incoming[0]?.to.uri).toBe(`sip:1001@${trunk}`);
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain(password);
  });

  it('refuses the retried INVITE with 403 when the password is wrong', async () => {
    const sipp = await runSipp({
      scenario: 'uac_digest_refused.xml',
      remote: trunk,
      service: '1001',
      variables: { user: 'alice', password: 'not-the-password' },
    });
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(incoming.length).toBe(1);
  });

  it('refuses an unknown user with 403 too', async () => {
    const sipp = await runSipp({
      scenario: 'uac_digest_refused.xml',
      remote: trunk,
      service: '1001',
      variables: { user: 'mallory', password },
    });
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(incoming.length).toBe(1);
  });

  it('still refuses a source outside the allow-list with 403, before any challenge', async () => {
    const sipp = await runSipp({
      scenario: 'uac_refused.xml',
      remote: trunk,
      service: '1001',
      localIp: '127.0.0.2',
    });
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(result.messages).not.toContain('WWW-Authenticate');
    expect(incoming.length).toBe(1);
  });
});

describe('TrunkDigestAuth nonce rules', () => {
  const realm = 'gateway.test';
  const uri = 'sip:1001@127.0.0.1:5060';
  let now = 1_000_000;
  const auth = new TrunkDigestAuth(
    { realm, users: { alice: password, bob: { ha1: md5(`bob:${realm}:secret`) } }, nonceTtlSec: 60 },
    () => now,
  );

  /** An INVITE as it arrives on the wire, with `Authorization` built as a UA does. */
  function invite(branch: string, authorization?: string) {
    const text = [
      `INVITE ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK${branch}`,
      'From: <sip:alice@127.0.0.1>;tag=1',
      `To: <${uri}>`,
      'Call-ID: c1',
      'CSeq: 1 INVITE',
      ...(authorization ? [`Authorization: ${authorization}`] : []),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    const message = parseWireMessage(text);
    if (!message) throw new Error('unparsable test request');
    return message;
  }

  function challenge(branch = 'a') {
    const verdict = auth.check(invite(branch));
    if (verdict.kind !== 'refuse' || verdict.status !== 401) throw new Error('expected a 401');
    const header = verdict.headers[0] ?? '';
    return { header, nonce: /nonce="([^"]+)"/.exec(header)?.[1] ?? '' };
  }

  function credentials(user: string, pass: string, nonce: string, nc?: string): string {
    const ha1 = md5(`${user}:${realm}:${pass}`);
    const ha2 = md5(`INVITE:${uri}`);
    if (nc === undefined) {
      const response = md5(`${ha1}:${nonce}:${ha2}`);
      return `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5`;
    }
    const response = md5(`${ha1}:${nonce}:${nc}:cn0nce:auth:${ha2}`);
    return `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="cn0nce"`;
  }

  it('passes OPTIONS, ACK, CANCEL and in-dialog requests without credentials', () => {
    for (const method of ['OPTIONS', 'ACK', 'CANCEL']) {
      const message = parseWireMessage(
        `${method} ${uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKo\r\nTo: <${uri}>\r\nContent-Length: 0\r\n\r\n`,
      );
      expect(message && auth.check(message)).toEqual({ kind: 'pass' });
    }
    const bye = parseWireMessage(
      `BYE ${uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKb\r\nTo: <${uri}>;tag=x\r\nContent-Length: 0\r\n\r\n`,
    );
    expect(bye && auth.check(bye)).toEqual({ kind: 'pass' });
  });

  it('accepts qop=auth with increasing nonce counts and the retransmission of a request, refuses a replayed count', () => {
    const { header, nonce } = challenge();
    expect(header).toMatch(/algorithm=MD5, qop="auth"$/);
    expect(auth.check(invite('b1', credentials('alice', password, nonce, '00000001')))).toEqual({
      kind: 'pass',
    });
    // The same request again (UDP retransmission, same branch) passes.
    expect(auth.check(invite('b1', credentials('alice', password, nonce, '00000001')))).toEqual({
      kind: 'pass',
    });
    // Another request with the same count is a replay: challenged again, stale so a real UA retries at once.
    const replay = auth.check(invite('b2', credentials('alice', password, nonce, '00000001')));
    expect(replay).toMatchObject({ kind: 'refuse', status: 401, why: expect.stringContaining('replayed') });
    expect(replay.kind === 'refuse' && replay.headers[0]).toMatch(/stale=true/);
    expect(auth.check(invite('b3', credentials('alice', password, nonce, '00000002')))).toEqual({
      kind: 'pass',
    });
  });

  it('accepts RFC 2069-style credentials (no qop) once per nonce, and HA1-configured users', () => {
    const { nonce } = challenge();
    expect(auth.check(invite('n1', credentials('bob', 'secret', nonce)))).toEqual({ kind: 'pass' });
    expect(auth.check(invite('n2', credentials('bob', 'secret', nonce)))).toMatchObject({ status: 401 });
  });

  it('answers wrong passwords with 403 and forged nonces with a fresh 401', () => {
    const { nonce } = challenge();
    expect(auth.check(invite('w1', credentials('alice', 'wrong', nonce, '00000001')))).toMatchObject({
      kind: 'refuse',
      status: 403,
    });
    const forged = `${nonce.slice(0, -2)}xx`;
    expect(auth.check(invite('w2', credentials('alice', password, forged, '00000001')))).toMatchObject({
      kind: 'refuse',
      status: 401,
      why: 'a nonce we did not issue',
    });
  });

  it('challenges with stale=true once the nonce has expired', () => {
    const { nonce } = challenge();
    now += 61_000;
    const verdict = auth.check(invite('e1', credentials('alice', password, nonce, '00000001')));
    expect(verdict).toMatchObject({ kind: 'refuse', status: 401, why: 'expired nonce' });
    expect(verdict.kind === 'refuse' && verdict.headers[0]).toMatch(/, stale=true$/);
  });
});

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}
