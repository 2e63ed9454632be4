// `pnpm bench:sip`: call setup through the SIP adapter (trunk role, UDP) with the werift media relay answering,
// sipp as the load generator at rising call rates. Reports per rate: calls attempted/succeeded/failed and the
// INVITE → 200 OK time (p50/p99) measured by sipp.
// Usage: pnpm bench:sip [--rates 10,25,50,100] [--seconds 10] [--media werift|none]
// Runs inside a private network namespace (loopback only) when it can, like the tests.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AdapterContext, MediaSession, SipLeg, SipMediaEndpoint } from '@cubebridge/core';
import { weriftRelay } from '@cubebridge/media-werift';
import { pino } from 'pino';
import { NEVER } from 'rxjs';
import { startProcess } from '../../../../test/harness/sip/processes.ts';
import { sippScenarioDir } from '../../../../test/harness/sip/sipp.ts';
import { sipAdapter } from '../../src/index.ts';
import { reenterInPrivateNetwork } from '../../../../test/harness/privateNetwork.ts';

reenterInPrivateNetwork(import.meta.url);

const argument = (name: string, fallback: string): string => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? (process.argv[index + 1] ?? fallback) : fallback;
};
const rates = argument('rates', '10,25,50,100').split(',').map(Number);
const seconds = Number(argument('seconds', '10'));
/** `werift`: every call gets a real media session; `none`: a fixed SDP answer, to see the signalling alone. */
const media = argument('media', 'werift') as 'werift' | 'none';
/** A step is sustained when every call is set up and p99 setup stays under this. */
const sustainedP99Ms = 500;

const logger = pino({ level: 'silent' });
const controller = new AbortController();
const context: AdapterContext = { logger, emit: () => undefined, signal: controller.signal };
const relay = weriftRelay({ rtpPorts: [30000, 39999], mediaTimeoutMs: 0, statsIntervalMs: 0 });
await relay.start(context);
// sipp is one source sending hundreds of calls a second: the trunk's rate limit would measure itself.
const adapter = sipAdapter({
  trunk: { listen: { host: '127.0.0.1', port: 0 }, security: { rateLimit: false } },
});
await adapter.start(context);
const trunk = adapter.trunkAddress as { address: string; port: number };
const sessions = new Map<MediaSession, SipLeg | undefined>();

/** `--media none`: answers every offer with the same PCMU SDP, opens no socket. */
function fixedEndpoint(): SipMediaEndpoint {
  const sdp =
    'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
  return {
    kind: 'sip',
    keyframeRequests$: NEVER,
    keyframeRequestedByPeer: () => {},
    negotiated: { audio: true, video: false },
    createOffer: async () => sdp,
    createAnswer: async () => sdp,
    setRemoteAnswer: async () => undefined,
    setRemoteOffer: async () => undefined,
  };
}
let answered = 0;
adapter.incoming$.subscribe((call) => {
  if (media === 'none') {
    void call
      .accept(fixedEndpoint())
      .then((leg) => leg.answer())
      .catch(() => undefined);
    return;
  }
  void (async () => {
    const session = await relay.createSession({ callId: `bench-${answered}`, logger, statsIntervalMs: 0 });
    sessions.set(session, undefined);
    try {
      const leg = await call.accept(session.sip);
      sessions.set(session, leg);
      leg.events$.subscribe({
        complete: () => {
          sessions.delete(session);
          void session.close();
        },
      });
      await leg.answer();
      answered++;
    } catch {
      sessions.delete(session);
      await session.close();
    }
  })();
});

interface RateResult {
  readonly rate: number;
  readonly attempted: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** 1-minute load average when the step ended: the host is shared, so read the figures against it. */
  readonly load: number;
}

async function runRate(rate: number): Promise<RateResult> {
  const dir = mkdtempSync(join(tmpdir(), 'cb-bench-sip-'));
  const total = rate * seconds;
  const sipp = startProcess(
    'sipp',
    [
      `${trunk.address}:${trunk.port}`,
      '-sf',
      join(sippScenarioDir, 'uac_load.xml'),
      '-s',
      'bench',
      '-i',
      '127.0.0.1',
      '-p',
      '0',
      '-bind_local',
      '-ci',
      '127.0.0.1',
      '-cp',
      '0',
      '-mi',
      '127.0.0.1',
      '-r',
      String(rate),
      '-m',
      String(total),
      '-nostdin',
      '-trace_rtt',
      '-rtt_freq',
      '1',
      '-trace_stat',
      '-fd',
      '1',
      '-timeout',
      `${seconds + 30}s`,
    ],
    { cwd: dir },
  );
  await sipp.exited;
  const file = (suffix: string) => readdirSync(dir).find((name) => name.endsWith(suffix));
  const rttFile = file('_rtt.csv');
  const statFile = file('_.csv');
  const times = rttFile
    ? readFileSync(join(dir, rttFile), 'utf8')
        .split('\n')
        .slice(1)
        .map((line) => Number(line.split(';')[1]))
        .filter((value) => Number.isFinite(value))
        .sort((a, b) => a - b)
    : [];
  let succeeded = 0;
  let failed = total;
  if (statFile) {
    const lines = readFileSync(join(dir, statFile), 'utf8').trim().split('\n');
    const header = (lines[0] ?? '').split(';');
    const last = (lines.at(-1) ?? '').split(';');
    succeeded = Number(last[header.indexOf('SuccessfulCall(C)')]);
    failed = Number(last[header.indexOf('FailedCall(C)')]);
  }
  rmSync(dir, { recursive: true, force: true });
  const quantile = (q: number) =>
    times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? Number.NaN;
  return {
    rate,
    attempted: total,
    succeeded,
    failed,
    p50: quantile(0.5),
    p99: quantile(0.99),
    max: times.at(-1) ?? Number.NaN,
    load: Number((loadavg()[0] ?? 0).toFixed(1)),
  };
}

const results: RateResult[] = [];
for (const rate of rates) {
  const result = await runRate(rate);
  results.push(result);
  console.error(
    `rate ${rate}/s: ${result.succeeded}/${result.attempted} ok, p50 ${result.p50} ms, p99 ${result.p99} ms`,
  );
  // Let the calls of this step end before the next; calls sipp gave up on (no BYE ever comes) are hung up.
  const deadline = Date.now() + 15_000;
  while (sessions.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  const leftOpen = sessions.size;
  await Promise.all(
    [...sessions].map(async ([session, leg]) => {
      await leg?.hangup('normal');
      await session.close();
    }),
  );
  sessions.clear();
  if (leftOpen > 0)
    console.error(`  ${leftOpen} calls were still up 15 s after the step (sipp gave up on them): hung up`);
}
await adapter.stop();
await relay.stop();
controller.abort();

// The highest rate such that it and every lower rate qualified (a host hiccup at a low rate counts).
const firstMiss = results.findIndex(
  (result) => result.failed > 0 || result.succeeded !== result.attempted || !(result.p99 < sustainedP99Ms),
);
const sustained = (firstMiss < 0 ? results : results.slice(0, firstMiss)).at(-1);
const answering = media === 'werift' ? 'a werift media session per call' : 'a fixed SDP answer (no media)';
console.log(`\nSIP call setup (INVITE → 200 OK through the adapter, ${answering}), ${seconds} s per rate,`);
console.log(
  `2 s calls, sipp on the same host (${cpus().length} CPUs, ${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}\n`,
);
console.log(
  '| offered calls/s | calls | succeeded | failed | setup p50 (ms) | setup p99 (ms) | max (ms) | host load (1 min) |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(
    `| ${r.rate} | ${r.attempted} | ${r.succeeded} | ${r.failed} | ${r.p50} | ${r.p99} | ${r.max} | ${r.load} |`,
  );
}
console.log(
  `\nSustained (every call set up, p99 < ${sustainedP99Ms} ms): ${sustained ? `${sustained.rate} calls/s` : 'none of the rates'}`,
);
process.exit(0);
