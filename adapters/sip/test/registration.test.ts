// Registration role against a real Kamailio with digest auth: over UDP and over WebSocket, refresh
// before expiry, and registering again after the registrar was stopped and restarted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Kamailio, startKamailio } from '../../../test/harness/sip/kamailio.ts';
import { waitFor } from '../../../test/harness/sip/processes.ts';
import { sipAdapter } from '../src/index.ts';
import { recordingContext } from './support.ts';

describe('registration against Kamailio with digest auth', () => {
  let kamailio: Kamailio;
  beforeAll(async () => {
    kamailio = await startKamailio({ auth: true });
  });
  afterAll(async () => {
    await kamailio?.close();
  });

  it('registers over UDP, refreshes, and unregisters on stop', async () => {
    const recorder = recordingContext();
    const adapter = sipAdapter({
      accounts: [
        {
          aor: 'sip:alice@127.0.0.1',
          registrar: `sip:127.0.0.1:${kamailio.udpPort}`,
          password: 'secret',
          transport: { kind: 'udp' },
          expiresSec: 3,
        },
      ],
    });
    try {
      await adapter.start(recorder.context);
      const first = await recorder.waitEvent('registration.registered');
      expect(first.account).toBe('alice');
      const index = recorder.events.indexOf(first);
      // A second `registered` means the refresh (sent before the 3 s expiry) was accepted too.
      await recorder.waitEvent('registration.registered', { since: index + 1, timeoutMs: 20_000 });
    } finally {
      await adapter.stop();
    }
    expect(recorder.events.map((event) => event.type)).toContain('registration.unregistered');
    expect(recorder.events.filter((event) => event.type === 'registration.failed')).toEqual([]);
  });

  it('registers over TCP', async () => {
    const recorder = recordingContext();
    const adapter = sipAdapter({
      accounts: [
        {
          aor: 'sip:tom@127.0.0.1',
          registrar: `sip:127.0.0.1:${kamailio.udpPort}`,
          password: 'secret',
          transport: { kind: 'tcp' },
        },
      ],
    });
    try {
      await adapter.start(recorder.context);
      const registered = await recorder.waitEvent('registration.registered');
      expect(registered.account).toBe('tom');
    } finally {
      await adapter.stop();
    }
  });

  it('registers over WebSocket', async () => {
    const recorder = recordingContext();
    const adapter = sipAdapter({
      accounts: [
        { aor: 'sip:walt@127.0.0.1', password: 'secret', transport: { kind: 'ws', server: kamailio.wsUrl } },
      ],
    });
    try {
      await adapter.start(recorder.context);
      const registered = await recorder.waitEvent('registration.registered');
      expect(registered.account).toBe('walt');
    } finally {
      await adapter.stop();
    }
  });

  it('reports a wrong password as registration.failed and keeps retrying with back-off', async () => {
    const recorder = recordingContext();
    const adapter = sipAdapter({
      accounts: [
        {
          aor: 'sip:mallory@127.0.0.1',
          registrar: `sip:127.0.0.1:${kamailio.udpPort}`,
          password: 'wrong',
          transport: { kind: 'udp' },
          retry: { initialMs: 200, maxMs: 400 },
        },
      ],
    });
    try {
      await adapter.start(recorder.context);
      const failed = await recorder.waitEvent('registration.failed');
      expect(failed.error).toMatch(/^40[13]/);
      await recorder.waitEvent('registration.failed', { since: recorder.events.indexOf(failed) + 1 });
      const delays = recorder.events.flatMap((event) =>
        event.type === 'registration.failed' ? [event.retryInMs] : [],
      );
      expect(delays.slice(0, 2)).toEqual([200, 400]);
    } finally {
      await adapter.stop();
    }
    expect(recorder.events.some((event) => event.type === 'registration.registered')).toBe(false);
  });
});

describe('registrar stopped and restarted', () => {
  let kamailio: Kamailio;
  beforeAll(async () => {
    kamailio = await startKamailio({ auth: true });
  });
  afterAll(async () => {
    await kamailio?.close();
  });

  it('reports the loss and registers again over UDP and WebSocket once the registrar is back', async () => {
    const recorder = recordingContext();
    const retry = { initialMs: 300, maxMs: 2000 };
    const adapter = sipAdapter({
      accounts: [
        {
          aor: 'sip:uma@127.0.0.1',
          registrar: `sip:127.0.0.1:${kamailio.udpPort}`,
          password: 'secret',
          transport: { kind: 'udp' },
          expiresSec: 3,
          retry,
        },
        {
          aor: 'sip:wes@127.0.0.1',
          password: 'secret',
          transport: { kind: 'ws', server: kamailio.wsUrl },
          expiresSec: 3,
          retry,
        },
      ],
    });
    const registeredSince = (account: string, since: number) =>
      recorder.events
        .slice(since)
        .some((event) => event.type === 'registration.registered' && event.account === account);
    const failedSince = (account: string, since: number) =>
      recorder.events
        .slice(since)
        .some((event) => event.type === 'registration.failed' && event.account === account);
    try {
      await adapter.start(recorder.context);
      await waitFor('both registered', () => registeredSince('uma', 0) && registeredSince('wes', 0));
      await kamailio.stop();
      const down = recorder.events.length;
      // UDP learns it from the refresh timing out (64*T1 = 32 s); WebSocket from the closed connection.
      await waitFor('both failed', () => failedSince('uma', down) && failedSince('wes', down), 60_000);
      await kamailio.start();
      const up = recorder.events.length;
      await waitFor(
        'both registered again',
        () => registeredSince('uma', up) && registeredSince('wes', up),
        30_000,
      );
    } finally {
      await adapter.stop();
    }
  }, 120_000);
});
