// Set-up time through the ConnectyCube adapter, both directions, with the werift relay's WebRTC endpoints and the
// sandbox on loopback: A (gateway, alice) calls B (gateway, bob) N times. Per call it measures
//   call:   A.call() → B's incoming$ (createOffer, gathering, the `call` signal through chat),
//   answer: B's leg.answer() → A's `answered` (createAnswer, the `accept` signal, setRemoteAnswer),
// and subtracts the time spent inside the endpoints' own SDP calls, leaving the adapter's share plus the chat hop.
// Usage (inside a network namespace with only lo, like the tests):
//   unshare -n sh -c 'ip link set lo up; node --conditions=@cubebridge/source --no-warnings \
//     adapters/connectycube/test/bench/bench-signalling.ts --calls 100'
import type { WebRtcMediaEndpoint } from '@cubebridge/core';
import { startSandbox } from '@cubebridge/connectycube-sandbox';
import { firstValueFrom } from 'rxjs';
import { weriftRelay } from '../../../media-werift/src/index.ts';
import { RtpPeer } from '../../../../test/harness/media/RtpPeer.ts';
import { silentLogger } from '../../../../test/harness/media/silentLogger.ts';
import { recordingContext } from '../../../../test/harness/platform/adapterContext.ts';
import { legEvent } from '../../../../test/harness/platform/legEvents.ts';
import { type ConnectyCubePlatform, connectycube } from '../../src/index.ts';

const index = process.argv.indexOf('--calls');
const calls = index > 0 ? Number(process.argv[index + 1]) : 100;

/** Wraps an endpoint so the time spent in its SDP methods is added to `spent.ms`. */
function timed(endpoint: WebRtcMediaEndpoint, spent: { ms: number }): WebRtcMediaEndpoint {
  const wrap =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const start = performance.now();
      try {
        return await call(...args);
      } finally {
        spent.ms += performance.now() - start;
      }
    };
  return {
    kind: 'webrtc',
    get negotiated() {
      return endpoint.negotiated;
    },
    localCandidates$: endpoint.localCandidates$,
    addRemoteCandidate: (candidate) => endpoint.addRemoteCandidate(candidate),
    createOffer: wrap((options) => endpoint.createOffer(options)),
    setRemoteAnswer: wrap((sdp: string) => endpoint.setRemoteAnswer(sdp)),
    setRemoteOffer: wrap((sdp: string) => endpoint.setRemoteOffer(sdp)),
    createAnswer: wrap(() => endpoint.createAnswer()),
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const sandbox = await startSandbox({ janus: 'off' });
const relay = weriftRelay({ bindAddress: '127.0.0.1', rtpPorts: [52000, 52999] });
const platform = (login: string): ConnectyCubePlatform =>
  connectycube({
    appId: sandbox.credentials.appId,
    authKey: sandbox.credentials.authKey,
    endpoints: { apiUrl: sandbox.apiEndpoint, chatUrl: sandbox.chatEndpoint },
    identities: { mode: 'gateway', user: { login, password: `${login}-password` } },
  }) as ConnectyCubePlatform;
const a = platform('alice');
const b = platform('bob');
await a.start(recordingContext());
await b.start(recordingContext());
const bob = b.identities[0]?.uri as string;

const results = {
  call: [] as number[],
  callAdapter: [] as number[],
  answer: [] as number[],
  answerAdapter: [] as number[],
};
for (let i = 0; i < calls; i++) {
  const phone = await new RtpPeer('PCMU', 1000, 700).bind();
  const caller = await relay.createSession({ callId: `a-${i}`, logger: silentLogger, statsIntervalMs: 0 });
  const callee = await relay.createSession({ callId: `b-${i}`, logger: silentLogger, statsIntervalMs: 0 });
  await caller.sip.setRemoteOffer(phone.offer());
  const offerSpent = { ms: 0 };
  const answerSpent = { ms: 0 };
  const incoming = firstValueFrom(b.incoming$);
  const t0 = performance.now();
  const leg = await a.call({
    callId: `bench-${i}`,
    to: [bob],
    from: { uri: 'sip:1001@pbx' },
    media: timed(caller.webrtc, offerSpent),
    kinds: { audio: true, video: false },
  });
  const call = await incoming;
  const t1 = performance.now();
  const createOfferMs = offerSpent.ms;
  const bobLeg = await call.accept(timed(callee.webrtc, answerSpent));
  const answered = legEvent(leg, 'answered');
  // From here: B's createAnswer and A's setRemoteAnswer.
  offerSpent.ms = 0;
  answerSpent.ms = 0;
  const t2 = performance.now();
  await bobLeg.answer();
  await answered;
  const t3 = performance.now();
  if (i > 0) {
    // The first call warms up JIT and sockets.
    results.call.push(t1 - t0);
    results.callAdapter.push(t1 - t0 - createOfferMs);
    results.answer.push(t3 - t2);
    results.answerAdapter.push(t3 - t2 - answerSpent.ms - offerSpent.ms);
  }
  await leg.hangup('normal');
  await legEvent(bobLeg, 'ended').catch(() => undefined);
  await Promise.all([caller.close(), callee.close(), phone.close()]);
}

const row = (name: string, values: number[]): string =>
  `| ${name} | ${percentile(values, 50).toFixed(2)} | ${percentile(values, 99).toFixed(2)} |`;
console.log(`ConnectyCube adapter set-up, ${results.call.length} calls (ms)\n`);
console.log('| step | p50 | p99 |\n|---|---|---|');
console.log(row('call(): start → call signal at the callee adapter (total)', results.call));
console.log(row('  of which outside the endpoint (adapter + chat hop)', results.callAdapter));
console.log(row('answer() → answered at the caller adapter (total)', results.answer));
console.log(row('  of which outside the endpoints (adapter + chat hop)', results.answerAdapter));

await a.stop();
await b.stop();
await relay.stop();
await sandbox.close();
