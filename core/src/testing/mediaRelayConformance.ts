// The MediaRelay port's conformance suite: sessions, the SIP endpoint answering a phone's offer, both
// endpoints offering, stats for both legs, and a close that cascades (`closed`, a final `closed` event, the
// stream completing) and is idempotent.
import { lastValueFrom, toArray } from 'rxjs';
import type { AdapterContext } from '../ports/common.ts';
import type { MediaRelay, MediaSession, MediaSessionEvent } from '../ports/MediaRelay.ts';
import { createLogger } from '../logging/createLogger.ts';
import { type ConformanceCheck, expectThat, within } from './Conformance.ts';
import { lifecycleCheck } from './lifecycleCheck.ts';

export interface MediaRelayHarness {
  /** A started relay, shared by the session checks. */
  readonly relay: MediaRelay;
  /** An SDP offer as a phone would send it (audio, RTP/AVP, PCMU at least). */
  phoneOffer(): Promise<string>;
  /** A new, unstarted relay and a context to start it with, for the lifecycle check. */
  fresh(): { adapter: MediaRelay; context: AdapterContext };
}

const audioLine = /^m=audio ([0-9]+) /m;

export function mediaRelayConformance(harness: MediaRelayHarness): ConformanceCheck[] {
  let sessions = 0;
  const withSession = async (body: (session: MediaSession) => Promise<void>) => {
    const session = await within(
      harness.relay.createSession({
        callId: `conformance-${++sessions}`,
        logger: createLogger({ level: 'silent', format: 'json' }),
      }),
      10_000,
      'MediaRelay.createSession() must resolve',
    );
    try {
      await body(session);
    } finally {
      await session.close();
    }
  };
  return [
    lifecycleCheck('MediaRelay', harness.fresh),
    {
      name: 'a session has an id and both endpoints, each saying its kind',
      run: () =>
        withSession(async (session) => {
          expectThat(
            typeof session.id === 'string' && session.id.length > 0,
            'a session must have an id',
            () => JSON.stringify(session.id),
          );
          expectThat(session.sip?.kind === 'sip', "session.sip.kind must be 'sip'", () =>
            String(session.sip?.kind),
          );
          expectThat(session.webrtc?.kind === 'webrtc', "session.webrtc.kind must be 'webrtc'", () =>
            String(session.webrtc?.kind),
          );
          expectThat(!session.closed, 'a new session must not be closed', () => 'closed is true');
        }),
    },
    {
      name: "the SIP endpoint answers a phone's audio offer with an audio m-line on a real port",
      run: () =>
        withSession(async (session) => {
          await session.sip.setRemoteOffer(await harness.phoneOffer());
          const answer = await session.sip.createAnswer();
          const port = Number(audioLine.exec(answer)?.[1] ?? Number.NaN);
          expectThat(
            port > 0 && port < 65_536,
            'the answer must carry m=audio with a port in 1..65535',
            () => `the answer was:\n${answer}`,
          );
          expectThat(
            session.sip.negotiated?.audio === true,
            'after answering, sip.negotiated.audio must be true',
            () => JSON.stringify(session.sip.negotiated),
          );
        }),
    },
    {
      name: 'both endpoints can offer audio',
      run: () =>
        withSession(async (session) => {
          for (const endpoint of [session.sip, session.webrtc]) {
            const offer = await endpoint.createOffer({ kinds: { audio: true, video: false } });
            expectThat(
              offer.startsWith('v=0') && audioLine.test(offer),
              `the ${endpoint.kind} endpoint's offer must be an SDP with m=audio`,
              () => `it was:\n${offer}`,
            );
          }
        }),
    },
    {
      name: 'stats() reports both legs with numeric counters',
      run: () =>
        withSession(async (session) => {
          const stats = await session.stats();
          for (const leg of ['sip', 'webrtc'] as const) {
            const legStats = stats?.[leg];
            expectThat(
              !!legStats &&
                ['packetsSent', 'packetsReceived', 'bytesSent', 'bytesReceived', 'packetsLost'].every(
                  (key) => typeof legStats[key as keyof typeof legStats] === 'number',
                ),
              `stats().${leg} must have numeric packet and byte counters`,
              () => JSON.stringify(legStats),
            );
          }
        }),
    },
    {
      name: "close() sets closed, emits a final 'closed' event, completes events$, and is idempotent",
      run: async () => {
        const session = await harness.relay.createSession({
          callId: `conformance-${++sessions}`,
          logger: createLogger({ level: 'silent', format: 'json' }),
        });
        const events = lastValueFrom(session.events$.pipe(toArray()));
        await session.close();
        await within(session.close(), 2_000, 'a second close() must resolve');
        expectThat(session.closed, 'closed must be true after close()', () => 'closed is false');
        const seen: MediaSessionEvent[] = await within(events, 2_000, 'events$ must complete after close()');
        expectThat(
          seen.at(-1)?.type === 'closed',
          "the last event must be 'closed' (with the final stats)",
          () => `events were [${seen.map((event) => event.type).join(', ')}]`,
        );
      },
    },
  ];
}
