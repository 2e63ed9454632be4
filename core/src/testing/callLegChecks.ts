// The call-leg rules every signalling adapter (SIP or platform) must keep, checked against a real remote party
// the harness drives. The leg event contract they hold adapters to (see `CallLeg` in ports/common.ts):
// every subscriber to `events$` gets the leg's events from its creation (replayed), then live ones; `ended` is
// the last event, after it the stream completes and `closed` is true; a local `hangup()` ends the leg with
// `by: 'local'` and is idempotent.
import { filter, firstValueFrom, type Observable } from 'rxjs';
import type { CallLeg, EndReason, LegEvent, MediaKinds, Party } from '../ports/common.ts';
import { type ConformanceCheck, ConformanceError, expectThat, within } from './Conformance.ts';

/** The far end of a call, played by the harness with a real peer (sipp, a phone, another adapter). */
export interface RemoteParty {
  /** The remote calls the adapter; `then` is what it does once answered: hang up itself, or wait for us. */
  callAdapter(then: 'hang-up' | 'wait'): Promise<RemoteCall>;
  /** A destination the adapter can call: the remote answers it and waits for the adapter to hang up. */
  answeringDestination(): Promise<{ readonly destination: string; readonly call: RemoteCall }>;
}

export interface RemoteCall {
  /** Resolves once the remote's call is over: `completed` (it was answered, then ended) or `refused`. */
  readonly ended: Promise<'completed' | 'refused'>;
}

/** A media endpoint the harness lends for one call, closed after it. */
export interface EndpointLease<Endpoint> {
  readonly endpoint: Endpoint;
  close(): Promise<void> | void;
}

/** What the leg checks need of an adapter, whichever side it is. */
export interface LegAdapterFace<Endpoint> {
  readonly side: 'sip' | 'platform';
  readonly incoming$: Observable<{
    readonly from: Party;
    readonly to: Party;
    readonly offered: MediaKinds;
    accept(media: Endpoint): Promise<CallLeg>;
    reject(reason: EndReason, detail?: string): Promise<void>;
  }>;
  call(destination: string, media: Endpoint): Promise<CallLeg>;
  readonly remote: RemoteParty;
  endpoint(): Promise<EndpointLease<Endpoint>>;
  /** How long a remote needs at most for one step (answer, hang-up); default 10 s. */
  readonly stepTimeoutMs?: number;
}

interface ObservedLeg {
  readonly events: LegEvent[];
  readonly completed: Promise<void>;
}

function observe(leg: CallLeg): ObservedLeg {
  const events: LegEvent[] = [];
  const completed = new Promise<void>((resolve, reject) =>
    leg.events$.subscribe({ next: (event) => events.push(event), complete: resolve, error: reject }),
  );
  return { events, completed };
}

const types = (events: readonly LegEvent[]) => `[${events.map((event) => event.type).join(', ')}]`;

/** After the leg ended: `ended` by `by` is the last event, the stream completed, `closed` is true. */
async function expectEndedLast(leg: CallLeg, observed: ObservedLeg, by: 'local' | 'remote', ms: number) {
  await within(observed.completed, ms, `${leg.side} leg ${leg.id}: events$ must complete after 'ended'`);
  const last = observed.events.at(-1);
  expectThat(
    last?.type === 'ended',
    "'ended' must be the leg's last event",
    () => `events were ${types(observed.events)}`,
  );
  expectThat(
    observed.events.filter((event) => event.type === 'ended').length === 1,
    "'ended' must be emitted once",
    () => `events were ${types(observed.events)}`,
  );
  expectThat(
    last?.type === 'ended' && last.by === by,
    `the leg must end with by: '${by}'`,
    () => `got ${JSON.stringify(last)}`,
  );
  expectThat(leg.closed, "'closed' must be true once 'ended' was emitted", () => 'closed is false');
}

/** A subscriber that comes after the end must still get `ended` and completion (events$ replays). */
async function expectReplayToLateSubscriber(leg: CallLeg, ms: number) {
  const late = observe(leg);
  await within(
    late.completed,
    ms,
    `${leg.side} leg ${leg.id}: a subscriber that comes after the leg ended must get its events replayed and completion`,
  );
  expectThat(
    late.events.at(-1)?.type === 'ended',
    "a late subscriber must receive 'ended' (events$ replays the leg's events)",
    () => `it received ${types(late.events)}`,
  );
}

async function nextIncoming<Endpoint>(face: LegAdapterFace<Endpoint>, then: 'hang-up' | 'wait', ms: number) {
  const incoming = firstValueFrom(face.incoming$.pipe(filter(() => true)));
  const remote = await face.remote.callAdapter(then);
  const call = await within(incoming, ms, `a call from the remote party must appear on incoming$`);
  return { call, remote };
}

export function callLegChecks<Endpoint>(face: LegAdapterFace<Endpoint>): ConformanceCheck[] {
  const ms = face.stepTimeoutMs ?? 10_000;
  const withEndpoint = async (body: (endpoint: Endpoint) => Promise<void>) => {
    const lease = await face.endpoint();
    try {
      await body(lease.endpoint);
    } finally {
      await lease.close();
    }
  };
  return [
    {
      name: `an incoming ${face.side} call carries its parties and media kinds, and the inbound leg says what it is`,
      run: () =>
        withEndpoint(async (endpoint) => {
          const { call, remote } = await nextIncoming(face, 'hang-up', ms);
          expectThat(
            typeof call.from.uri === 'string' && call.from.uri.length > 0,
            'an incoming call must name its caller (from.uri)',
            () => `from was ${JSON.stringify(call.from)}`,
          );
          expectThat(
            typeof call.to.uri === 'string' && call.to.uri.length > 0,
            'an incoming call must name its callee (to.uri)',
            () => `to was ${JSON.stringify(call.to)}`,
          );
          expectThat(
            call.offered.audio === true,
            'an audio call must be offered with audio: true',
            () => `offered was ${JSON.stringify(call.offered)}`,
          );
          const leg = await call.accept(endpoint);
          expectThat(
            leg.side === face.side && leg.direction === 'inbound',
            `an accepted leg must be side '${face.side}', direction 'inbound'`,
            () => `it is side '${leg.side}', direction '${leg.direction}'`,
          );
          await leg.ring();
          await leg.answer();
          await within(remote.ended, ms, 'the remote party must be able to hang up');
        }),
    },
    {
      name: `an inbound ${face.side} leg hung up by the remote ends with 'ended' by remote, last, then completes; a late subscriber gets it replayed`,
      run: () =>
        withEndpoint(async (endpoint) => {
          const { call, remote } = await nextIncoming(face, 'hang-up', ms);
          const leg = await call.accept(endpoint);
          const observed = observe(leg);
          await leg.ring();
          await leg.answer();
          const outcome = await within(remote.ended, ms, 'the remote party must hang up after the answer');
          expectThat(
            outcome === 'completed',
            'the remote must see the call answered',
            () => `its call was ${outcome}`,
          );
          await expectEndedLast(leg, observed, 'remote', ms);
          await expectReplayToLateSubscriber(leg, 1_000);
        }),
    },
    {
      name: `a local hangup of an inbound ${face.side} leg ends it with 'ended' by local, is idempotent, and reaches the remote`,
      run: () =>
        withEndpoint(async (endpoint) => {
          const { call, remote } = await nextIncoming(face, 'wait', ms);
          const leg = await call.accept(endpoint);
          const observed = observe(leg);
          await leg.answer();
          await new Promise((resolve) => setTimeout(resolve, 300));
          await leg.hangup('normal');
          await leg.hangup('normal');
          await expectEndedLast(leg, observed, 'local', ms);
          const outcome = await within(remote.ended, ms, 'the remote must see the call end after our hangup');
          expectThat(
            outcome === 'completed',
            'the remote must have been answered',
            () => `it was ${outcome}`,
          );
        }),
    },
    {
      name: `a refused incoming ${face.side} call is refused at the remote`,
      run: async () => {
        const { call, remote } = await nextIncoming(face, 'wait', ms);
        await call.reject('busy', 'conformance check');
        const outcome = await within(remote.ended, ms, 'the remote must learn that its call was refused');
        expectThat(
          outcome === 'refused',
          'a rejected call must be refused at the remote',
          () => `it was ${outcome}`,
        );
      },
    },
    {
      name: `an outgoing ${face.side} call reports 'answered', and a local hangup ends it with 'ended' by local, last`,
      run: () =>
        withEndpoint(async (endpoint) => {
          const { destination, call: remote } = await face.remote.answeringDestination();
          const leg = await face.call(destination, endpoint);
          expectThat(
            leg.side === face.side && leg.direction === 'outbound',
            `a placed leg must be side '${face.side}', direction 'outbound'`,
            () => `it is side '${leg.side}', direction '${leg.direction}'`,
          );
          const observed = observe(leg);
          await within(
            firstValueFrom(
              leg.events$.pipe(filter((event) => event.type === 'answered' || event.type === 'ended')),
            ),
            ms,
            "an outgoing leg must report 'answered' when the remote answers",
          ).then((event) => {
            if (event.type !== 'answered')
              throw new ConformanceError(`the remote answers, but the leg reported ${JSON.stringify(event)}`);
          });
          await leg.hangup('normal');
          await expectEndedLast(leg, observed, 'local', ms);
          const answeredAt = observed.events.findIndex((event) => event.type === 'answered');
          expectThat(answeredAt >= 0, "'answered' must come before 'ended'", () => types(observed.events));
          const outcome = await within(remote.ended, ms, 'the remote must see the call end');
          expectThat(
            outcome === 'completed',
            'the remote must have been answered',
            () => `it was ${outcome}`,
          );
        }),
    },
  ];
}
