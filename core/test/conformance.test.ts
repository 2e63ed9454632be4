// The port conformance suites against the in-memory doubles (which must keep the contracts the real adapters
// keep: the real ones run the same suites in their packages), and against a deliberately broken adapter, which
// must fail them with messages that say which rule was broken.
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { EndReason, LegEvent, SipLeg } from '../src/index.ts';
import {
  describeConformance,
  mediaRelayConformance,
  platformConformance,
  type RemoteCall,
  type RemoteParty,
  runConformance,
  sipAdapterConformance,
} from '../src/testing/index.ts';
import {
  type InMemoryLeg,
  InMemoryMediaRelay,
  InMemoryMediaSession,
  InMemoryPlatform,
  InMemorySipAdapter,
} from './doubles/InMemoryPorts.ts';
import { capturingLogger, waitFor } from './support.ts';

const context = () => ({
  logger: capturingLogger().logger,
  emit: () => {},
  signal: new AbortController().signal,
});

/** The far end of an in-memory leg, played the way a phone or app would: answer, hang up, wait. */
function remoteOf(
  leg: () => InMemoryLeg | undefined,
  refused: () => boolean,
  then: 'hang-up' | 'wait',
): RemoteCall {
  return {
    ended: (async () => {
      await waitFor(() => refused() || !!leg()?.actions.includes('answer') || !!leg()?.closed);
      if (refused()) return 'refused' as const;
      if (then === 'hang-up') leg()?.remote$.hangsUp();
      await waitFor(() => !!leg()?.closed);
      return 'completed' as const;
    })(),
  };
}

function placedRemote(placed: () => Array<{ leg: InMemoryLeg; destination: string }>, destination: string) {
  const leg = () => placed().find((entry) => entry.destination === destination)?.leg;
  return {
    destination,
    call: {
      ended: (async () => {
        await waitFor(() => !!leg());
        leg()?.remote$.answers();
        await waitFor(() => !!leg()?.closed);
        return 'completed' as const;
      })(),
    },
  };
}

let calls = 0;

function sipRemote(sip: InMemorySipAdapter): RemoteParty {
  return {
    callAdapter: async (then) => {
      const state = sip.receive('sip:remote@test', `sip:${++calls}@gateway`);
      return remoteOf(
        () => state.leg,
        () => state.rejected.length > 0,
        then,
      );
    },
    answeringDestination: async () =>
      placedRemote(
        () => sip.placed.map(({ request, leg }) => ({ destination: request.to, leg })),
        `sip:answering-${++calls}@test`,
      ),
  };
}

function platformRemote(platform: InMemoryPlatform): RemoteParty {
  return {
    callAdapter: async (then) => {
      const state = platform.receive(`connectycube:${++calls}`, { to: 'sip:1@gateway' });
      return remoteOf(
        () => state.leg,
        () => state.rejected.length > 0,
        then,
      );
    },
    answeringDestination: async () =>
      placedRemote(
        () => platform.placed.map(({ request, leg }) => ({ destination: request.to[0] ?? '', leg })),
        `connectycube:${++calls}`,
      ),
  };
}

const sip = new InMemorySipAdapter([]);
describeConformance(
  { describe, it },
  'in-memory SipAdapter double',
  sipAdapterConformance({
    adapter: sip,
    remote: sipRemote(sip),
    endpoint: async () => {
      const session = new InMemoryMediaSession('x');
      return { endpoint: session.sip, close: () => session.close() };
    },
    fresh: () => ({ adapter: new InMemorySipAdapter([]), context: context() }),
  }),
);

const platform = new InMemoryPlatform([]);
describeConformance(
  { describe, it },
  'in-memory Platform double',
  platformConformance({
    platform,
    remote: platformRemote(platform),
    endpoint: async () => {
      const session = new InMemoryMediaSession('x');
      return { endpoint: session.webrtc, close: () => session.close() };
    },
    fresh: () => ({ adapter: new InMemoryPlatform([]), context: context() }),
  }),
);

describeConformance(
  { describe, it },
  'in-memory MediaRelay double',
  mediaRelayConformance({
    relay: new InMemoryMediaRelay([]),
    phoneOffer: async () =>
      'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
    fresh: () => ({ adapter: new InMemoryMediaRelay([]), context: context() }),
  }),
);

/**
 * A SIP adapter with the mistakes the contract exists to catch: its legs' events are not replayed (a plain
 * Subject), a local hangup emits nothing, and the stream never completes.
 */
class ForgetfulLeg {
  readonly events = new Subject<LegEvent>();
  readonly events$ = this.events.asObservable();
  readonly id = 'forgetful';
  readonly side = 'sip' as const;
  readonly sipCallId = 'forgetful@test';
  readonly local = { uri: 'sip:gateway@test' };
  readonly remote = { uri: 'sip:remote@test' };
  closed = false;
  actions: string[] = [];
  readonly direction: 'inbound' | 'outbound';
  constructor(direction: 'inbound' | 'outbound') {
    this.direction = direction;
  }
  async ring() {}
  async answer() {
    this.actions.push('answer');
  }
  async hangup(_reason: EndReason) {
    this.closed = true;
  }
  async hold() {}
  async resume() {}
  async sendDtmf() {}
  async transfer() {}
  async close() {
    this.closed = true;
  }
  remote$ = {
    answers: () => this.events.next({ type: 'answered' }),
    hangsUp: () => {
      this.closed = true;
      this.events.next({ type: 'ended', reason: 'normal', by: 'remote' });
    },
  };
}

describe('a broken adapter fails the suite, and the failures say which rule was broken', () => {
  it('legs that do not replay, do not report a local hangup and never complete', async () => {
    const broken = new InMemorySipAdapter([]);
    const legs: ForgetfulLeg[] = [];
    Object.assign(broken, {
      async call() {
        const leg = new ForgetfulLeg('outbound');
        legs.push(leg);
        return leg as unknown as SipLeg;
      },
    });
    const remote: RemoteParty = {
      callAdapter: async (then) => {
        const state = broken.receive('sip:remote@test', 'sip:1@gateway');
        return remoteOf(
          () => state.leg,
          () => state.rejected.length > 0,
          then,
        );
      },
      answeringDestination: async () => {
        const destination = `sip:answering-${++calls}@test`;
        return {
          destination,
          call: {
            ended: (async () => {
              await waitFor(() => legs.length > 0);
              legs.at(-1)?.remote$.answers();
              await waitFor(() => !!legs.at(-1)?.closed);
              return 'completed' as const;
            })(),
          },
        };
      },
    };
    const failures = await runConformance(
      sipAdapterConformance({
        adapter: broken,
        remote,
        endpoint: async () => {
          const session = new InMemoryMediaSession('x');
          return { endpoint: session.sip, close: () => session.close() };
        },
        fresh: () => ({ adapter: new InMemorySipAdapter([]), context: context() }),
        stepTimeoutMs: 500,
      }),
    );
    expect(failures).toEqual([
      {
        check:
          "an outgoing sip call reports 'answered', and a local hangup ends it with 'ended' by local, last",
        message: "sip leg forgetful: events$ must complete after 'ended': nothing within 500 ms",
      },
    ]);
  });

  it('a media session whose events$ never completes and that emits no final closed event', async () => {
    const relay = new InMemoryMediaRelay([]);
    Object.assign(relay, {
      async createSession() {
        const session = new InMemoryMediaSession('leaky');
        Object.assign(session, {
          async close() {
            session.closed = true;
          },
        });
        return session;
      },
    });
    const failures = await runConformance(
      mediaRelayConformance({
        relay,
        phoneOffer: async () => 'v=0\r\nm=audio 4000 RTP/AVP 0\r\n',
        fresh: () => ({ adapter: new InMemoryMediaRelay([]), context: context() }),
      }),
    );
    expect(failures).toEqual([
      {
        check: "close() sets closed, emits a final 'closed' event, completes events$, and is idempotent",
        message: 'events$ must complete after close(): nothing within 2000 ms',
      },
    ]);
  });
});
