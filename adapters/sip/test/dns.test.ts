// RFC 3263 name resolution against a real (test) authoritative DNS server on loopback: SRV ordering and the
// service that matches the transport, A/AAAA when there is no SRV or the URI has a port, the TTL cache, clear
// failures; then real flows: registering to Kamailio at `sip:pbx.test` through SRV over UDP and TCP (the
// first target that answers), and `sips:` URIs that select TLS and `_sips._tcp`.
import type { SrvRecord } from 'node:dns';
import dgram from 'node:dgram';
import type { TLSSocket } from 'node:tls';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates } from '../../../test/harness/sip/certificates.ts';
import {
  startDnsServer,
  type TestDnsRecord,
  type TestDnsServer,
} from '../../../test/harness/sip/dnsServer.ts';
import { type Kamailio, startKamailio } from '../../../test/harness/sip/kamailio.ts';
import { freePort } from '../../../test/harness/sip/processes.ts';
import { RtpTestPeer } from '../../../test/harness/sip/RtpTestPeer.ts';
import { SipCallError, SipOptionsError, SipResolveError, sipAdapter } from '../src/index.ts';
import { orderSrv, SipResolver } from '../src/transport/SipResolver.ts';
import { firstHeader, type SipWireMessage } from '../src/transport/SipWireMessage.ts';
import { asSipEndpoint, recordingContext } from './support.ts';
import { streamPeer } from './streamPeer.ts';

const a = (name: string, address = '127.0.0.1', ttl = 300): TestDnsRecord => ({
  type: 'A',
  name,
  address,
  ttl,
});
const srv = (
  name: string,
  priority: number,
  weight: number,
  port: number,
  target: string,
): TestDnsRecord => ({
  type: 'SRV',
  name,
  priority,
  weight,
  port,
  target,
});

describe('SipResolver against an authoritative test DNS server', () => {
  let dns: TestDnsServer;
  beforeAll(async () => {
    dns = await startDnsServer([
      a('plain.test'),
      a('ttl300.test', '127.0.0.5', 300),
      a('ttl0.test', '127.0.0.6', 0),
      srv('_sip._udp.multi.test', 20, 0, 5002, 'b.multi.test'),
      srv('_sip._udp.multi.test', 10, 0, 5001, 'a.multi.test'),
      srv('_sip._udp.multi.test', 30, 0, 5009, 'gone.multi.test'),
      srv('_sip._tcp.multi.test', 10, 0, 5003, 'c.multi.test'),
      srv('_sips._tcp.multi.test', 10, 0, 5004, 'd.multi.test'),
      a('a.multi.test', '127.0.0.1'),
      a('b.multi.test', '127.0.0.2'),
      a('c.multi.test', '127.0.0.3'),
      a('d.multi.test', '127.0.0.4'),
    ]);
  });
  afterAll(async () => {
    await dns?.close();
  });

  it('without SRV records: the A record, on the transport’s default port', async () => {
    const resolver = new SipResolver({ servers: [dns.server] });
    expect(await resolver.resolve('plain.test', undefined, 'udp')).toEqual([
      { address: '127.0.0.1', port: 5060 },
    ]);
    expect(await resolver.resolve('plain.test', undefined, 'tls')).toEqual([
      { address: '127.0.0.1', port: 5061 },
    ]);
    expect(dns.queries('SRV', '_sip._udp.plain.test')).toBe(1);
    expect(dns.queries('SRV', '_sips._tcp.plain.test')).toBe(1);
  });

  it('with a port in the URI: A/AAAA only, no SRV question (RFC 3263 §4.2)', async () => {
    const resolver = new SipResolver({ servers: [dns.server] });
    expect(await resolver.resolve('plain.test', 5070, 'tcp')).toEqual([{ address: '127.0.0.1', port: 5070 }]);
    expect(dns.queries('SRV', '_sip._tcp.plain.test')).toBe(0);
  });

  it('SRV targets in priority order, skipping one without address; the service follows the transport', async () => {
    const resolver = new SipResolver({ servers: [dns.server] });
    expect(await resolver.resolve('multi.test', undefined, 'udp')).toEqual([
      { address: '127.0.0.1', port: 5001 },
      { address: '127.0.0.2', port: 5002 },
    ]);
    expect(await resolver.resolve('multi.test', undefined, 'tcp')).toEqual([
      { address: '127.0.0.3', port: 5003 },
    ]);
    expect(await resolver.resolve('multi.test', undefined, 'tls')).toEqual([
      { address: '127.0.0.4', port: 5004 },
    ]);
  });

  it('within a priority, a weighted random order (RFC 2782)', () => {
    const records: SrvRecord[] = [
      { name: 'light', port: 1, priority: 10, weight: 1 },
      { name: 'heavy', port: 2, priority: 10, weight: 99 },
      { name: 'backup', port: 3, priority: 20, weight: 1000 },
    ];
    // The random draw picks a point in 0..100 of the running weight sum: 0..1 is `light`, above is `heavy`.
    expect(orderSrv(records, () => 0).map((record) => record.name)).toEqual(['light', 'heavy', 'backup']);
    expect(orderSrv(records, () => 0.5).map((record) => record.name)).toEqual(['heavy', 'light', 'backup']);
  });

  it('a name that does not resolve fails with what was asked', async () => {
    const resolver = new SipResolver({ servers: [dns.server] });
    const failure = resolver.resolve('nowhere.test', undefined, 'udp');
    await expect(failure).rejects.toBeInstanceOf(SipResolveError);
    await expect(failure).rejects.toThrow(
      /cannot resolve nowhere\.test for SIP over UDP: no SRV records for _sip\._udp\.nowhere\.test, no A\/AAAA records for nowhere\.test \(ENOTFOUND\)/,
    );
  });

  it('keeps addresses for their TTL: asked once for TTL 300, every time for TTL 0 or without cache', async () => {
    const resolver = new SipResolver({ servers: [dns.server] });
    for (let round = 0; round < 3; round++) {
      expect(await resolver.resolve('ttl300.test', 5060, 'udp')).toEqual([
        { address: '127.0.0.5', port: 5060 },
      ]);
      expect(await resolver.resolve('ttl0.test', 5060, 'udp')).toEqual([
        { address: '127.0.0.6', port: 5060 },
      ]);
    }
    expect(dns.queries('A', 'ttl300.test')).toBe(1);
    expect(dns.queries('A', 'ttl0.test')).toBe(3);
    const uncached = new SipResolver({ servers: [dns.server], cache: false });
    await uncached.resolve('ttl300.test', 5060, 'udp');
    expect(dns.queries('A', 'ttl300.test')).toBe(2);
    // A changed record is seen once the old answer has expired (TTL 0: at once).
    dns.records = dns.records.map((record) =>
      record.name === 'ttl0.test' ? a('ttl0.test', '127.0.0.7', 0) : record,
    );
    expect(await resolver.resolve('ttl0.test', 5060, 'udp')).toEqual([{ address: '127.0.0.7', port: 5060 }]);
  });
});

describe('registering to Kamailio at sip:pbx.test through DNS', () => {
  let kamailio: Kamailio;
  let dns: TestDnsServer;
  let decoy: dgram.Socket;
  const decoyHeard: string[] = [];
  let silent: dgram.Socket;
  const silentHeard: string[] = [];
  let deadPort = 0;

  beforeAll(async () => {
    kamailio = await startKamailio({ auth: true });
    decoy = dgram.createSocket('udp4');
    decoy.on('message', (message) => decoyHeard.push(message.toString()));
    await new Promise<void>((resolve) => decoy.bind(0, '127.0.0.1', resolve));
    // A UDP "server" that reads everything and never answers.
    silent = dgram.createSocket('udp4');
    silent.on('message', (message) => silentHeard.push(message.toString()));
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    deadPort = await freePort(); // nothing listens there: a TCP connection is refused
    dns = await startDnsServer([
      // UDP: Kamailio first by priority; the decoy has the larger weight but a worse priority.
      srv('_sip._udp.pbx.test', 10, 0, kamailio.udpPort, 'sip1.pbx.test'),
      srv('_sip._udp.pbx.test', 20, 100, decoy.address().port, 'sip2.pbx.test'),
      // TCP: the first target refuses the connection, the second is Kamailio.
      srv('_sip._tcp.pbx.test', 10, 0, deadPort, 'down.pbx.test'),
      srv('_sip._tcp.pbx.test', 20, 0, kamailio.udpPort, 'sip1.pbx.test'),
      // UDP failover: the best target never answers, the next one is Kamailio.
      srv('_sip._udp.backup.test', 10, 0, silent.address().port, 'mute.backup.test'),
      srv('_sip._udp.backup.test', 20, 0, kamailio.udpPort, 'sip1.pbx.test'),
      a('mute.backup.test'),
      a('sip1.pbx.test'),
      a('sip2.pbx.test'),
      a('down.pbx.test'),
    ]);
  });
  afterAll(async () => {
    await kamailio?.close();
    await dns?.close();
    decoy?.close();
    silent?.close();
  });

  it('over UDP: SRV _sip._udp, the target with the best priority; the answer is cached', async () => {
    const recorder = recordingContext();
    const adapter = sipAdapter({
      dns: { servers: [dns.server] },
      accounts: [{ aor: 'sip:alice@pbx.test', password: 'secret', transport: { kind: 'udp' } }],
    });
    try {
      await adapter.start(recorder.context);
      const registered = await recorder.waitEvent('registration.registered');
      expect(registered.account).toBe('alice');
      expect(decoyHeard).toEqual([]);
      // Two REGISTERs (the 401 challenge, then with credentials), one SRV question.
      expect(dns.queries('SRV', '_sip._udp.pbx.test')).toBe(1);
    } finally {
      await adapter.stop();
    }
  });

  it('over TCP: SRV _sip._tcp; the first target refuses, the second (Kamailio) is used', async () => {
    const recorder = recordingContext();
    const adapter = sipAdapter({
      dns: { servers: [dns.server] },
      accounts: [{ aor: 'sip:tom@pbx.test', password: 'secret', transport: { kind: 'tcp' } }],
    });
    try {
      await adapter.start(recorder.context);
      const registered = await recorder.waitEvent('registration.registered');
      expect(registered.account).toBe('tom');
      expect(dns.queries('SRV', '_sip._tcp.pbx.test')).toBeGreaterThanOrEqual(1);
      expect(recorder.events.filter((event) => event.type === 'registration.failed')).toEqual([]);
    } finally {
      await adapter.stop();
    }
  });

  it('over UDP: a target that lets the REGISTER time out is passed over, the next one is registered with', {
    timeout: 60_000,
  }, async () => {
    const recorder = recordingContext();
    const adapter = sipAdapter({
      dns: { servers: [dns.server] },
      accounts: [
        {
          aor: 'sip:uli@backup.test',
          password: 'secret',
          transport: { kind: 'udp' },
          retry: { initialMs: 1000, maxMs: 1000 },
        },
      ],
    });
    try {
      await adapter.start(recorder.context);
      // sip.js gives up after Timer F (64 × T1 = 32 s).
      const failed = await recorder.waitEvent('registration.failed', { timeoutMs: 45_000 });
      expect(failed.error).toMatch(/^408/);
      expect(silentHeard.some((message) => message.startsWith('REGISTER sip:backup.test'))).toBe(true);
      const heard = silentHeard.length;
      await recorder.waitEvent('registration.registered', { since: recorder.events.indexOf(failed) });
      expect(silentHeard.length).toBe(heard);
    } finally {
      await adapter.stop();
    }
  });

  it('with a port in the registrar URI: its A record, no SRV question', async () => {
    const recorder = recordingContext();
    const adapter = sipAdapter({
      dns: { servers: [dns.server] },
      accounts: [
        {
          aor: 'sip:pat@pbx.test',
          registrar: `sip:sip1.pbx.test:${kamailio.udpPort}`,
          password: 'secret',
          transport: { kind: 'udp' },
        },
      ],
    });
    try {
      await adapter.start(recorder.context);
      await recorder.waitEvent('registration.registered');
      expect(dns.queries('SRV', '_sip._udp.sip1.pbx.test')).toBe(0);
      expect(dns.queries('A', 'sip1.pbx.test')).toBeGreaterThanOrEqual(1);
    } finally {
      await adapter.stop();
    }
  });

  it('a registrar that does not resolve: registration.failed says why, calls through it fail with it', async () => {
    const recorder = recordingContext();
    const adapter = sipAdapter({
      dns: { servers: [dns.server] },
      accounts: [
        {
          aor: 'sip:nina@nowhere.pbx.test',
          password: 'secret',
          transport: { kind: 'udp' },
          retry: { initialMs: 200, maxMs: 400 },
        },
      ],
    });
    const peer = await RtpTestPeer.open({ toneHz: 440 });
    try {
      await adapter.start(recorder.context);
      const failed = await recorder.waitEvent('registration.failed');
      expect(failed.error).toMatch(/^503 .*cannot resolve nowhere\.pbx\.test for SIP over UDP/);
      expect(failed.error).toContain('ENOTFOUND');
      // …and it keeps retrying, with the same reason.
      const again = await recorder.waitEvent('registration.failed', {
        since: recorder.events.indexOf(failed) + 1,
      });
      expect(again.error).toMatch(/cannot resolve nowhere\.pbx\.test/);
      const call = adapter.call({
        callId: 'dns-1',
        to: 'sip:100@nowhere.pbx.test',
        media: asSipEndpoint(peer),
        kinds: { audio: true, video: false },
      });
      await expect(call).rejects.toBeInstanceOf(SipCallError);
      await expect(call).rejects.toThrow(
        /cannot call sip:100@nowhere\.pbx\.test: cannot resolve nowhere\.pbx\.test/,
      );
    } finally {
      await adapter.stop();
      peer.close();
    }
  });
});

describe('sips: URIs select TLS and _sips._tcp', () => {
  const certificates = makeTestCertificates({ dnsNames: ['secure.test'] });
  let dns: TestDnsServer;
  let registrar: TlsServer;
  const servernames: (string | false | null)[] = [];
  const registers: SipWireMessage[] = [];
  const handshakeFailures: string[] = [];

  beforeAll(async () => {
    // A registrar of a few lines: 200 OK to every REGISTER, on TLS with a certificate for secure.test.
    registrar = createTlsServer({ cert: certificates.cert, key: certificates.key }, (socket: TLSSocket) => {
      servernames.push(socket.servername);
      const peer = streamPeer(socket);
      socket.on('data', () => {
        for (const message of peer.received.splice(0)) {
          if (message.method !== 'REGISTER') continue;
          registers.push(message);
          peer.reply(message, 200, 'OK', [`Contact: ${firstHeader(message, 'contact')};expires=600`]);
        }
      });
    });
    registrar.on('tlsClientError', (error) => handshakeFailures.push(error.message));
    await new Promise<void>((resolve) => registrar.listen(0, '127.0.0.1', resolve));
    const address = registrar.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    dns = await startDnsServer([
      srv('_sips._tcp.secure.test', 10, 0, port, 'reg.secure.test'),
      a('reg.secure.test'),
    ]);
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => registrar?.close(() => resolve()));
    await dns?.close();
  });

  it('a sips: AoR registers over TLS found through _sips._tcp, the certificate checked for the domain', async () => {
    const recorder = recordingContext();
    const adapter = sipAdapter({
      dns: { servers: [dns.server] },
      accounts: [{ aor: 'sips:carol@secure.test', transport: { kind: 'tls', tls: { ca: certificates.ca } } }],
    });
    try {
      await adapter.start(recorder.context);
      await recorder.waitEvent('registration.registered');
      expect(registers[0]?.requestUri).toBe('sips:secure.test');
      expect(servernames).toContain('secure.test');
      expect(dns.queries('SRV', '_sips._tcp.secure.test')).toBe(1);
    } finally {
      await adapter.stop();
    }
  });

  it('without a transport, a sips: registrar means TLS: Node’s own roots refuse the test CA', async () => {
    const recorder = recordingContext();
    const before = handshakeFailures.length;
    const adapter = sipAdapter({
      dns: { servers: [dns.server] },
      accounts: [{ aor: 'sips:dave@secure.test', password: 'x', retry: { initialMs: 60_000 } }],
    });
    try {
      await adapter.start(recorder.context);
      const failed = await recorder.waitEvent('registration.failed');
      expect(failed.error).toMatch(/^503 .*cannot connect to secure\.test: .*certificate/i);
      expect(handshakeFailures.length).toBeGreaterThan(before);
    } finally {
      await adapter.stop();
    }
  });

  it('a sips: registrar over UDP is refused at start; a sips: call over a UDP trunk fails, never in the clear', async () => {
    const refused = sipAdapter({
      accounts: [{ aor: 'sips:erin@secure.test', transport: { kind: 'udp' } }],
    });
    await expect(refused.start(recordingContext().context)).rejects.toBeInstanceOf(SipOptionsError);
    await refused.stop();
    const trunk = sipAdapter({ trunk: { listen: { host: '127.0.0.1', port: 0 } } });
    const peer = await RtpTestPeer.open({ toneHz: 440 });
    try {
      await trunk.start(recordingContext().context);
      await expect(
        trunk.call({
          callId: 'sips-1',
          // Nothing listens there: the call must fail before anything is sent.
          to: 'sips:100@127.0.0.1:5061',
          media: asSipEndpoint(peer),
          kinds: { audio: true, video: false },
        }),
      ).rejects.toThrow(/sips:127\.0\.0\.1 needs TLS, but this transport is UDP/);
    } finally {
      await trunk.stop();
      peer.close();
    }
  });
});
