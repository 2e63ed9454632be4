// In-memory test doubles of the three ports, for the core's own tests only: they let a test play the remote
// side of each leg (ring, answer, hang up) and record what the core asked of them. They keep the ports'
// contracts as the real adapters do — legs replay their events to late subscribers and end with one 'ended'
// that completes the stream, a media session's last event is 'closed' — and test/conformance.test.ts holds
// them to it with the same suite the real adapters run.
import { ReplaySubject, Subject } from 'rxjs';
import type {
  AdapterContext,
  CallLeg,
  EndReason,
  IncomingPlatformCall,
  IncomingSipCall,
  LegEvent,
  MediaKinds,
  MediaRelay,
  MediaSession,
  MediaSessionEvent,
  MediaSessionStats,
  OutgoingPlatformCallRequest,
  OutgoingSipCallRequest,
  Party,
  Platform,
  PlatformLeg,
  SipAdapter,
  SipLeg,
  SipMediaEndpoint,
  WebRtcMediaEndpoint,
} from '../../src/index.ts';

/** Shared journal of what happened, in order, across all doubles of one test. */
export type Journal = string[];

export class InMemoryLeg implements CallLeg {
  readonly events = new ReplaySubject<LegEvent>();
  readonly events$ = this.events.asObservable();
  readonly actions: string[] = [];
  closed = false;
  readonly id: string;
  readonly side: 'sip' | 'platform';
  readonly direction: 'inbound' | 'outbound';
  readonly local: Party;
  readonly remote: Party;
  readonly sipCallId: string;
  readonly platformSessionId: string;

  constructor(side: 'sip' | 'platform', direction: 'inbound' | 'outbound', local: Party, remote: Party) {
    this.side = side;
    this.direction = direction;
    this.local = local;
    this.remote = remote;
    this.id = `${side}-${direction}-${Math.random().toString(16).slice(2, 8)}`;
    this.sipCallId = `${this.id}@test`;
    this.platformSessionId = this.id;
  }

  async ring() {
    this.actions.push('ring');
  }
  async answer() {
    this.actions.push('answer');
  }
  async hangup(reason: EndReason) {
    if (this.closed) return;
    this.actions.push(`hangup:${reason}`);
    this.#end({ type: 'ended', reason, by: 'local' });
  }
  async hold() {
    this.actions.push('hold');
  }
  async resume() {
    this.actions.push('resume');
  }
  async sendDtmf(digits: string) {
    this.actions.push(`dtmf:${digits}`);
  }
  async transfer(target: string) {
    this.actions.push(`transfer:${target}`);
  }
  async close() {
    await this.hangup('normal');
  }

  /** The far end's actions, as the adapter would report them. */
  remote$ = {
    rings: () => this.events.next({ type: 'ringing' }),
    answers: () => this.events.next({ type: 'answered' }),
    holds: () => this.events.next({ type: 'held', by: 'remote' }),
    resumes: () => this.events.next({ type: 'resumed', by: 'remote' }),
    sendsDtmf: (digit: string) => this.events.next({ type: 'dtmf', digit, durationMs: 100, via: 'sip-info' }),
    hangsUp: (reason: EndReason = 'normal') => this.#end({ type: 'ended', reason, by: 'remote' }),
  };

  #end(event: Extract<LegEvent, { type: 'ended' }>): void {
    if (this.closed) return;
    this.closed = true;
    this.events.next(event);
    this.events.complete();
  }
}

interface IncomingDouble {
  readonly cancel: () => void;
  readonly rejected: Array<{ reason: EndReason; detail: string | undefined }>;
  leg: InMemoryLeg | undefined;
  /** Set it to make `accept()` throw synchronously, as an adapter with a bug would. */
  acceptThrows: Error | undefined;
}

function incomingDouble(side: 'sip' | 'platform', from: Party, to: Party, offered: MediaKinds) {
  const cancelled$ = new Subject<void>();
  const state: IncomingDouble = {
    cancel: () => cancelled$.next(),
    rejected: [],
    leg: undefined,
    acceptThrows: undefined,
  };
  const common = {
    from,
    to,
    offered,
    cancelled$: cancelled$.asObservable(),
    reject: async (reason: EndReason, detail?: string) => {
      state.rejected.push({ reason, detail });
    },
    accept: () => {
      if (state.acceptThrows) throw state.acceptThrows;
      state.leg = new InMemoryLeg(side, 'inbound', to, from);
      return Promise.resolve(state.leg as InMemoryLeg & SipLeg & PlatformLeg);
    },
  };
  return { common, state };
}

abstract class StartStopDouble {
  abstract readonly name: string;
  readonly journal: Journal;
  failStart = false;
  constructor(journal: Journal) {
    this.journal = journal;
  }
  async start(_context: AdapterContext) {
    if (this.failStart) throw new Error(`${this.name} cannot start`);
    this.journal.push(`start ${this.name}`);
  }
  async stop() {
    this.journal.push(`stop ${this.name}`);
  }
}

export class InMemorySipAdapter extends StartStopDouble implements SipAdapter {
  readonly name = 'in-memory-sip';
  readonly #incoming = new Subject<IncomingSipCall>();
  readonly incoming$ = this.#incoming.asObservable();
  readonly placed: Array<{ request: OutgoingSipCallRequest; leg: InMemoryLeg }> = [];

  /** A phone calls the gateway. */
  receive(from: string, to: string, offered: MediaKinds = { audio: true, video: false }) {
    const { common, state } = incomingDouble('sip', { uri: from }, { uri: to }, offered);
    this.#incoming.next({ ...common, via: { kind: 'trunk', name: 'test' }, headers: {} } as IncomingSipCall);
    return state;
  }

  async call(request: OutgoingSipCallRequest): Promise<SipLeg> {
    const leg = new InMemoryLeg('sip', 'outbound', request.from ?? { uri: 'sip:gateway@test' }, {
      uri: request.to,
    });
    this.placed.push({ request, leg });
    return leg as InMemoryLeg & SipLeg;
  }
}

export class InMemoryPlatform extends StartStopDouble implements Platform {
  readonly name = 'in-memory-platform';
  readonly #incoming = new Subject<IncomingPlatformCall>();
  readonly incoming$ = this.#incoming.asObservable();
  readonly placed: Array<{ request: OutgoingPlatformCallRequest; leg: InMemoryLeg }> = [];
  /** While set, `call()` waits for it before it resolves (a platform that takes its time to place a call). */
  placing: Promise<void> | undefined;

  /** An app user calls the gateway. */
  receive(
    from: string,
    userInfo: Record<string, string>,
    offered: MediaKinds = { audio: true, video: false },
  ) {
    const { common, state } = incomingDouble(
      'platform',
      { uri: from },
      { uri: 'connectycube:gateway' },
      offered,
    );
    this.#incoming.next({ ...common, userInfo } as IncomingPlatformCall);
    return state;
  }

  async call(request: OutgoingPlatformCallRequest): Promise<PlatformLeg> {
    const leg = new InMemoryLeg('platform', 'outbound', request.from, {
      uri: `connectycube:${request.to.join(',')}`,
    });
    this.placed.push({ request, leg });
    await this.placing;
    return leg as InMemoryLeg & PlatformLeg;
  }
}

const noStats = {
  packetsSent: 0,
  packetsReceived: 0,
  bytesSent: 0,
  bytesReceived: 0,
  lossFraction: 0,
  packetsLost: 0,
  jitterMs: 0,
  rttMs: undefined,
  mos: undefined,
  codec: undefined,
};

export class InMemoryMediaSession implements MediaSession {
  readonly events = new Subject<MediaSessionEvent>();
  readonly events$ = this.events.asObservable();
  closed = false;
  readonly id: string;
  readonly sip = endpoint('sip') as SipMediaEndpoint;
  readonly webrtc = endpoint('webrtc') as WebRtcMediaEndpoint;
  constructor(id: string) {
    this.id = id;
  }
  async sendDtmf() {}
  tap(): never {
    throw new Error('the in-memory media session has no media to tap');
  }
  stats(): MediaSessionStats {
    return { sip: noStats, webrtc: noStats };
  }
  requestKeyframe() {}
  async close() {
    if (this.closed) return;
    this.closed = true;
    this.events.next({ type: 'closed', stats: this.stats() });
    this.events.complete();
  }
}

function endpoint(kind: 'sip' | 'webrtc') {
  // An SDP that says what a real one would: audio on a port (never sent to: nothing listens on it).
  const sdp = `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=${kind}\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n`;
  const state: { negotiated: MediaKinds | undefined } = { negotiated: undefined };
  const negotiate = async () => {
    state.negotiated = { audio: true, video: false };
  };
  return {
    kind,
    get negotiated() {
      return state.negotiated;
    },
    createOffer: async () => sdp,
    createAnswer: async () => {
      await negotiate();
      return sdp;
    },
    setRemoteAnswer: negotiate,
    setRemoteOffer: async () => {},
    keyframeRequests$: new Subject<void>(),
    keyframeRequestedByPeer: () => {},
    localCandidates$: new Subject(),
    addRemoteCandidate: async () => {},
  };
}

export class InMemoryMediaRelay extends StartStopDouble implements MediaRelay {
  readonly name = 'in-memory-media';
  readonly sessions: InMemoryMediaSession[] = [];
  async createSession(options: { callId: string }): Promise<MediaSession> {
    const session = new InMemoryMediaSession(options.callId);
    this.sessions.push(session);
    return session;
  }
}

export function inMemoryPorts(journal: Journal = []) {
  return {
    journal,
    sip: new InMemorySipAdapter(journal),
    media: new InMemoryMediaRelay(journal),
    platform: new InMemoryPlatform(journal),
  };
}
