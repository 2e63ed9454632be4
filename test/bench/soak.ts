// `pnpm soak`: does the gateway give back what a call took? Thousands of bridged calls with media through one
// gateway, every part real: sipp (the phone) calls the gateway's SIP trunk and plays G.711 RTP into it; the
// gateway (sip.js adapter, werift relay, ConnectyCube adapter, routing plugin) rings app user alice through the
// ConnectyCube sandbox; alice (another process: e2e-app.ts) answers each call with a werift peer. Every
// `--every` ended calls the gateway process samples its heap after a full GC, RSS, open fds and sockets; the
// report gives the slope after `--warmup` calls in MB per 1 000 calls (target: heap < 1 MB).
// Usage: pnpm soak [--calls 2500] [--warmup 500] [--every 100] [--rate 12] [--concurrent 20] [--talk-ms 1000]
//                  [--snapshot <file.heapsnapshot>]   (a heap snapshot of the gateway after the last call)
// Bounded: sipp places exactly `--calls` calls and gives up after a timeout. Loopback only, inside a private
// network namespace when it can (like the tests).
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { createGateway, createLogger } from '@cubebridge/core';
import { connectycube } from '../../adapters/connectycube/src/index.ts';
import { weriftRelay } from '../../adapters/media-werift/src/index.ts';
import { sipAdapter } from '../../adapters/sip/src/index.ts';
import { routing } from '../../plugins/routing/src/index.ts';
import { reenterInPrivateNetwork } from '../harness/privateNetwork.ts';
import { startProcess } from '../harness/sip/processes.ts';
import type { AppReady } from './e2e-app.ts';
import { type Footprint, sampleFootprint, slopePer1000 } from './processFootprint.ts';

reenterInPrivateNetwork(import.meta.url);

const argument = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1] ?? fallback) : fallback;
};
const calls = argument('calls', 2500);
const warmup = argument('warmup', 500);
const every = argument('every', 100);
const rate = argument('rate', 12);
const concurrent = argument('concurrent', 20);
const talkMs = argument('talk-ms', 1000);
const snapshotIndex = process.argv.indexOf('--snapshot');
const snapshotFile = snapshotIndex > 0 ? process.argv[snapshotIndex + 1] : undefined;

// --- The far side: sandbox and app user, in their own process (so its memory is not in our figures).
const app: ChildProcess = fork(fileURLToPath(new URL('./e2e-app.ts', import.meta.url)), [], {
  execArgv: ['--conditions=@cubebridge/source', '--no-warnings'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const children: Array<{ kill: () => void }> = [{ kill: () => app.kill('SIGKILL') }];
process.on('exit', () => {
  for (const child of children) child.kill();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(1));
const ready = await new Promise<AppReady>((resolve, reject) => {
  app.once('message', (message) => resolve(message as AppReady));
  app.once('exit', (code) => reject(new Error(`the app process exited (${code}) before it was ready`)));
});

// --- The gateway, in this process, as bench:e2e assembles it.
const logger = createLogger({
  level: 'info',
  format: 'json',
  destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
});
const sip = sipAdapter({
  trunk: { listen: { host: '127.0.0.1', port: 0 }, security: { rateLimit: false } },
});
const gateway = await createGateway({
  logger,
  config: { http: { enabled: false }, drainTimeoutMs: 2_000 },
  sip,
  media: weriftRelay({ bindAddress: '127.0.0.1' }),
  platform: connectycube({
    appId: ready.appId,
    authKey: ready.authKey,
    endpoints: { apiUrl: ready.apiUrl, chat: '127.0.0.1', chatUrl: ready.chatUrl },
    identities: { mode: 'gateway', user: { login: 'carol', password: 'carol-password' } },
  }),
  plugins: [routing({ rules: [{ name: 'soak', match: { to: 'soak' }, ring: [String(ready.users.alice)] }] })],
});

let ended = 0;
let answered = 0;
let rtpFromPhone = 0;
const reasons = new Map<string, number>();
const samples: Footprint[] = [];
let sampling = Promise.resolve();
gateway.events$.subscribe((event) => {
  if (event.type === 'call.media-stats' && event.final) rtpFromPhone += event.stats.sip.packetsReceived;
  if (event.type !== 'call.ended') return;
  ended++;
  if (event.answered) answered++;
  reasons.set(event.reason, (reasons.get(event.reason) ?? 0) + 1);
  if (ended % every === 0) {
    const at = ended;
    sampling = sampling.then(async () => {
      samples.push(await sampleFootprint(at));
    });
  }
});
await gateway.start();
const trunk = sip.trunkAddress;
if (!trunk) throw new Error('the SIP trunk did not start');
samples.push(await sampleFootprint(0));

// --- The phone: sipp, `--concurrent` calls at most, `--rate` new calls per second.
const loadBefore = loadavg();
const started = performance.now();
const dir = mkdtempSync(join(tmpdir(), 'cb-soak-'));
const scenario = join(dir, 'uac_soak.xml');
writeFileSync(
  scenario,
  readFileSync(new URL('./uac_soak.xml', import.meta.url), 'utf8').replaceAll('{{talkMs}}', String(talkMs)),
);
const sipp = startProcess(
  'sipp',
  [
    `${trunk.address}:${trunk.port}`,
    ...['-sf', scenario, '-s', 'soak'],
    ...['-i', '127.0.0.1', '-p', '0', '-bind_local', '-mi', '127.0.0.1'],
    ...['-r', String(rate), '-l', String(concurrent), '-m', String(calls), '-nostdin'],
    ...['-timeout', `${Math.ceil(calls / rate) * 2 + 60}s`],
  ],
  { cwd: dir },
);
children.push({
  kill: () => {
    try {
      process.kill(sipp.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  },
});
const sippCode = await sipp.exited;
const elapsedSec = (performance.now() - started) / 1000;
const loadAfter = loadavg();
rmSync(dir, { recursive: true, force: true });
// The last calls' teardown (BYE handled, media closed), then one more sample with no call up.
for (let waited = 0; gateway.calls.size > 0 && waited < 10_000; waited += 100)
  await new Promise((resolve) => setTimeout(resolve, 100));
await new Promise((resolve) => setTimeout(resolve, 1_000));
await sampling;
// Taken with no call up: shown, but not in the slope (it would read the end of the last calls as a fall).
const final = await sampleFootprint(ended);
if (snapshotFile) writeHeapSnapshot(snapshotFile);
await gateway.stop({ drainTimeoutMs: 0 });
app.send('stop');
await new Promise((resolve) => app.once('exit', resolve));

// --- Report.
const steady = samples.filter((sample) => sample.calls >= warmup);
const f = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
console.log(
  `\nSoak: ${ended} bridged calls ended (${answered} answered; ${[...reasons].map(([r, n]) => `${r} ${n}`).join(', ')})` +
    ` in ${f(elapsedSec)} s; sipp exit ${sippCode}; ${rate} calls/s, ≤ ${concurrent} at once, ${talkMs} ms of RTP each` +
    ` (${f(rtpFromPhone / Math.max(1, ended), 0)} RTP packets from the phone per call on average)`,
);
console.log(
  `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; load average (1/5/15 min)` +
    ` before ${loadBefore.map((v) => v.toFixed(2)).join(' ')}, after ${loadAfter.map((v) => v.toFixed(2)).join(' ')}\n`,
);
console.log(
  '| calls ended | heap after GC (MB) | RSS (MB) | open fds | sockets |\n|---:|---:|---:|---:|---:|',
);
for (const s of samples)
  console.log(`| ${s.calls} | ${f(s.heapMb)} | ${f(s.rssMb)} | ${s.fds} | ${s.sockets} |`);
console.log(
  `| ${final.calls}, every call over (1 s later) | ${f(final.heapMb)} | ${f(final.rssMb)} | ${final.fds} | ${final.sockets} |`,
);
const heapSlope = slopePer1000(steady, (s) => s.heapMb);
console.log(
  `\nSlope after ${warmup} warm-up calls (${steady.length} samples), per 1 000 calls: heap after GC` +
    ` ${f(heapSlope, 2)} MB, RSS ${f(
      slopePer1000(steady, (s) => s.rssMb),
      2,
    )} MB,` +
    ` fds ${f(
      slopePer1000(steady, (s) => s.fds),
      1,
    )}, sockets ${f(
      slopePer1000(steady, (s) => s.sockets),
      1,
    )}` +
    ` (start ${f(samples[0]!.heapMb)} MB heap, ${samples[0]!.fds} fds; end ${f(final.heapMb)} MB, ${final.fds} fds)`,
);
if (snapshotFile) console.log(`Heap snapshot of the gateway after the last call: ${snapshotFile}`);
process.exit(sippCode === 0 && ended === calls && heapSlope < 1 ? 0 : 1);
