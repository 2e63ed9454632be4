// Registration role against a real Kamailio with digest auth: over UDP and over WebSocket, refresh
// before expiry, and registering again after the registrar was stopped and restarted — at once, long before
// the refresh timer, on a lost TCP or WebSocket flow and on an unanswered UDP keepalive.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Kamailio, startKamailio } from '../../../test/harness/sip/kamailio.ts';
import { waitFor } from '../../../test/harness/sip/processes.ts';
import type { RtpTestPeer } from '../../../test/harness/sip/RtpTestPeer.ts';
import { runSipp, stopSipps } from '../../../test/harness/sip/sipp.ts';
import { sipAdapter } from '../src/index.ts';
import { answerEveryCall, recordingContext } from './support.ts';

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
      // 200 then 400 ms, each within ±20 % (jitter).
      const [first, second] = delays;
      expect(first).toBeGreaterThanOrEqual(160);
      expect(first).toBeLessThanOrEqual(240);
      expect(second).toBeGreaterThanOrEqual(320);
      expect(second).toBeLessThanOrEqual(480);
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

describe('registrar restarted under a registered gateway (expires 600)', () => {
  let kamailio: Kamailio;
  beforeAll(async () => {
    kamailio = await startKamailio({ auth: true });
  });
  afterAll(async () => {
    await stopSipps();
    await kamailio?.close();
  });

  it('re-registers at once over TCP, WebSocket and UDP, and a call to the account gets through', async () => {
    const recorder = recordingContext();
    const registrar = `sip:127.0.0.1:${kamailio.udpPort}`;
    const adapter = sipAdapter({
      accounts: [
        // A lost TCP connection is a failed flow (RFC 5626 §4.4).
        {
          aor: 'sip:tina@127.0.0.1',
          registrar,
          password: 'secret',
          transport: { kind: 'tcp' },
          expiresSec: 600,
        },
        {
          aor: 'sip:will@127.0.0.1',
          password: 'secret',
          transport: { kind: 'ws', server: kamailio.wsUrl },
          expiresSec: 600,
        },
        // UDP has no connection: the keepalive OPTIONS going unanswered (here after 1 s) is the sign.
        {
          aor: 'sip:ursula@127.0.0.1',
          registrar,
          password: 'secret',
          transport: { kind: 'udp' },
          expiresSec: 600,
          keepaliveSec: 1,
        },
      ],
    });
    const accounts = ['tina', 'will', 'ursula'];
    const firstSince = (type: string, account: string, since: number) =>
      recorder.events
        .slice(since)
        .find((event) => event.type === type && 'account' in event && event.account === account);
    const peers: RtpTestPeer[] = [];
    answerEveryCall(adapter, peers);
    try {
      await adapter.start(recorder.context);
      await waitFor('all registered', () =>
        accounts.every((name) => firstSince('registration.registered', name, 0)),
      );
      const down = recorder.events.length;
      const killedAt = Date.now();
      await kamailio.stop();
      await waitFor(
        'every account to notice',
        () => accounts.every((name) => firstSince('registration.failed', name, down)),
        20_000,
      );
      const noticedMs = Object.fromEntries(
        accounts.map((name) => [name, (firstSince('registration.failed', name, down)?.at ?? 0) - killedAt]),
      );
      await kamailio.start();
      const upAt = Date.now();
      const up = recorder.events.length;
      // Well before the refresh timer (about 540 s for expires 600).
      await waitFor(
        'every account registered again',
        () => accounts.every((name) => firstSince('registration.registered', name, up)),
        30_000,
      );
      const reRegisteredMs = Object.fromEntries(
        accounts.map((name) => [name, (firstSince('registration.registered', name, up)?.at ?? 0) - upAt]),
      );
      console.log(
        `registrar restart: noticed after ${JSON.stringify(noticedMs)} ms, registered again ${JSON.stringify(reRegisteredMs)} ms after it was back (loadavg ${readFileSync('/proc/loadavg', 'utf8').trim()})`,
      );
      // Every step was an event: the loss with its retry delay, each attempt, the success.
      const steps = recorder.events
        .slice(down)
        .filter((event) => 'account' in event && event.account === 'tina');
      expect(steps.map((event) => event.type)).toContain('registration.registering');
      expect(firstSince('registration.failed', 'tina', down)).toMatchObject({ retryInMs: 0 });

      // Kamailio knows the accounts again: a call to each goes through it to the gateway and runs to BYE.
      for (const name of accounts) {
        const sipp = await runSipp({
          scenario: 'uac_call.xml',
          remote: `127.0.0.1:${kamailio.udpPort}`,
          service: name,
        });
        const result = await sipp.done;
        expect(result.code, `${name}\n${result.output}\n${kamailio.output().slice(-3000)}`).toBe(0);
      }
    } finally {
      await adapter.stop();
      for (const peer of peers) peer.close();
    }
  }, 120_000);
});
