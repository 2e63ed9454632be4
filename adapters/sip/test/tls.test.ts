// SIP over TLS between two gateways on loopback: a TLS trunk with a certificate from a test CA, and a caller
// that trusts that CA: the call is set up and RTP flows both ways; a caller that does not trust it refuses
// the connection (certificate verification), so the call fails as unavailable.
import type { LegEvent, SipLeg } from '@cubebridge/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates } from '../../../test/harness/sip/certificates.ts';
import { waitFor } from '../../../test/harness/sip/processes.ts';
import { RtpTestPeer } from '../../../test/harness/sip/RtpTestPeer.ts';
import { sipAdapter, type SipTlsOptions } from '../src/index.ts';
import { asSipEndpoint, recordingContext } from './support.ts';

describe('SIP over TLS', () => {
  const certificates = makeTestCertificates();
  const callee = sipAdapter({
    trunk: {
      listen: { host: '127.0.0.1', port: 0 },
      transport: 'tls',
      tls: { cert: certificates.cert, key: certificates.key },
    },
  });
  const peers: RtpTestPeer[] = [];
  const calleeLegs: SipLeg[] = [];
  let trunkPort = 0;

  beforeAll(async () => {
    await callee.start(recordingContext().context);
    trunkPort = callee.trunkAddress?.port ?? 0;
    callee.incoming$.subscribe((call) => {
      void (async () => {
        const peer = await RtpTestPeer.open({ toneHz: 1000 });
        peers.push(peer);
        const leg = await call.accept(asSipEndpoint(peer));
        calleeLegs.push(leg);
        await leg.answer();
      })();
    });
  });

  afterAll(async () => {
    await callee.stop();
    for (const peer of peers) peer.close();
  });

  function caller(tls: SipTlsOptions) {
    return sipAdapter({
      accounts: [
        {
          aor: 'sip:tess@127.0.0.1',
          register: false,
          proxy: `sip:127.0.0.1:${trunkPort}`,
          transport: { kind: 'tls', tls },
          keepaliveSec: 0,
        },
      ],
    });
  }

  it('sets up a call to a TLS trunk whose certificate the caller trusts; RTP flows both ways', async () => {
    const adapter = caller({ ca: certificates.ca });
    await adapter.start(recordingContext().context);
    const peer = await RtpTestPeer.open({ toneHz: 440 });
    peers.push(peer);
    try {
      const leg = await adapter.call({
        callId: 'tls-1',
        to: `sip:100@127.0.0.1:${trunkPort}`,
        media: asSipEndpoint(peer),
        kinds: { audio: true, video: false },
      });
      const events: LegEvent[] = [];
      leg.events$.subscribe((event) => events.push(event));
      await waitFor('answered', () => events.some((event) => event.type === 'answered'));
      const calleePeer = await waitFor('the callee peer', () =>
        peers.find((candidate) => candidate.toneHz === 1000),
      );
      await peer.waitForTone(1000);
      await calleePeer.waitForTone(440);
      await leg.hangup('normal');
      await waitFor('the callee leg to end', () => calleeLegs.at(-1)?.closed === true);
    } finally {
      await adapter.stop();
    }
  });

  it('refuses a TLS trunk whose certificate it cannot verify: the call ends as unavailable', async () => {
    const adapter = caller({});
    await adapter.start(recordingContext().context);
    const peer = await RtpTestPeer.open({ toneHz: 440 });
    peers.push(peer);
    const before = calleeLegs.length;
    try {
      const leg = await adapter.call({
        callId: 'tls-2',
        to: `sip:100@127.0.0.1:${trunkPort}`,
        media: asSipEndpoint(peer),
        kinds: { audio: true, video: false },
      });
      const events: LegEvent[] = [];
      leg.events$.subscribe((event) => events.push(event));
      await waitFor('the leg to end', () => leg.closed);
      expect(events.at(-1)).toMatchObject({ type: 'ended', reason: 'unavailable', by: 'remote' });
      expect(calleeLegs.length).toBe(before);
    } finally {
      await adapter.stop();
    }
  });
});
