// `pnpm bench:e2e`: the call set-up time the gateway itself adds, with every part real. sipp (the phone) calls
// the gateway's SIP trunk; the gateway (sip.js adapter, werift relay, ConnectyCube adapter, routing plugin) rings
// app user alice through the ConnectyCube sandbox; alice (another process: e2e-app.ts) answers at once with a
// werift peer. Per call, timestamps taken at the gateway process's edges (wireTaps.ts) give
//   invite → call:    the INVITE datagram handed to JS → the `call` stanza given to the chat socket,
//   accept → 200 OK:  the `accept` stanza emitted by the chat socket → the 200 OK datagram given to the socket.
// Usage: pnpm bench:e2e [--calls 100] [--warmup 5] [--rate 2]
// Runs inside a private network namespace (loopback only) when it can, like the tests.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createGateway, createLogger } from '@cubebridge/core';
import { connectycube } from '../../adapters/connectycube/src/index.ts';
import { weriftRelay } from '../../adapters/media-werift/src/index.ts';
import { sipAdapter } from '../../adapters/sip/src/index.ts';
import { routing } from '../../plugins/routing/src/index.ts';
import { startProcess } from '../harness/sip/processes.ts';
import type { AppReady } from './e2e-app.ts';
import { type Span, timedRelay } from './timedRelay.ts';
import { tapWires, type WireEvent } from './wireTaps.ts';
import { reenterInPrivateNetwork } from '../harness/privateNetwork.ts';

reenterInPrivateNetwork(import.meta.url);

const argument = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1] ?? fallback) : fallback;
};
const calls = argument('calls', 100);
const warmup = argument('warmup', 5);
/** Calls per second offered by sipp; one call at a time (`-l 1`), so each set-up is measured alone. */
const rate = argument('rate', 2);

// --- The far side: sandbox and app user, in their own process.
const app: ChildProcess = fork(fileURLToPath(new URL('./e2e-app.ts', import.meta.url)), [], {
  execArgv: ['--conditions=@cubebridge/source', '--no-warnings'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
// Whatever happens below (a failed start, an exception), no process is left behind.
const children: Array<{ kill: () => void }> = [{ kill: () => app.kill('SIGKILL') }];
process.on('exit', () => {
  for (const child of children) child.kill();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(1));
const ready = await new Promise<AppReady>((resolve, reject) => {
  app.once('message', (message) => resolve(message as AppReady));
  app.once('exit', (code) => reject(new Error(`the app process exited (${code}) before it was ready`)));
});

// --- The gateway, in this process, as test/e2e/bridge.ts assembles it (trunk instead of a registration).
const wire: Array<WireEvent | { at: number; kind: 'event'; type: string; callId: string }> = [];
const spans: Span[] = [];
const untap = tapWires(
  {
    sip: (head) =>
      head.startsWith('INVITE ') || head.startsWith('SIP/2.0 200') || head.startsWith('SIP/2.0 100'),
    chat: (text) => text.includes('<signalType>call</signalType>') || text.includes('<signalType>accept<'),
  },
  (event) => wire.push(event),
);
const logger = createLogger({
  // Info, as a deployment would run, written nowhere (the formatting cost stays in the figures).
  level: 'info',
  format: 'json',
  destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
});
// sipp is one source; at `--rate` above 15 the trunk's rate limit (30 requests / 2 s) would refuse it.
const sip = sipAdapter({
  trunk: { listen: { host: '127.0.0.1', port: 0 }, security: { rateLimit: false } },
});
const gateway = await createGateway({
  logger,
  config: { http: { enabled: false }, drainTimeoutMs: 2_000 },
  sip,
  media: timedRelay(weriftRelay({ bindAddress: '127.0.0.1' }), (span) => spans.push(span)),
  platform: connectycube({
    appId: ready.appId,
    authKey: ready.authKey,
    endpoints: { apiUrl: ready.apiUrl, chat: '127.0.0.1', chatUrl: ready.chatUrl },
    identities: { mode: 'gateway', user: { login: 'carol', password: 'carol-password' } },
  }),
  plugins: [
    routing({ rules: [{ name: 'bench', match: { to: 'bench' }, ring: [String(ready.users.alice)] }] }),
  ],
});
gateway.events$.subscribe((event) => {
  if (event.type === 'call.created' || event.type === 'call.routed' || event.type === 'call.answered')
    wire.push({ at: performance.now(), kind: 'event', type: event.type, callId: event.callId });
});
await gateway.start();
const trunk = sip.trunkAddress;
if (!trunk) throw new Error('the SIP trunk did not start');

// --- The phone: sipp, one call at a time.
const loadBefore = loadavg();
const dir = mkdtempSync(join(tmpdir(), 'cb-bench-e2e-'));
const total = warmup + calls;
const sipp = startProcess(
  'sipp',
  [
    `${trunk.address}:${trunk.port}`,
    ...['-sf', fileURLToPath(new URL('./uac_e2e.xml', import.meta.url)), '-s', 'bench'],
    ...['-i', '127.0.0.1', '-p', '0', '-bind_local', '-mi', '127.0.0.1'],
    ...['-r', String(rate), '-l', '1', '-m', String(total), '-nostdin'],
    ...['-trace_rtt', '-rtt_freq', '1', '-timeout', `${Math.ceil(total / rate) + 60}s`],
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
const loadAfter = loadavg();
const rttFile = readdirSync(dir).find((name) => name.endsWith('_rtt.csv'));
const phoneSetup = rttFile
  ? readFileSync(join(dir, rttFile), 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => Number(line.split(';')[1]))
      .filter((value) => Number.isFinite(value) && value > 0)
  : [];
rmSync(dir, { recursive: true, force: true });
// Let the last call's teardown finish before stopping.
await new Promise((resolve) => setTimeout(resolve, 500));
untap();
await gateway.stop({ drainTimeoutMs: 0 });
app.send('stop');
await new Promise((resolve) => app.once('exit', resolve));

// --- Per call: pair the edges. Calls never overlap (`-l 1`), which the pairing checks.
interface Timeline {
  sipCallId: string;
  gatewayId?: string;
  invite: number;
  /** Process CPU time (ms) at the four edges: the work done in an interval, whatever the scheduler did. */
  cpu: { invite: number; trying?: number; callOut?: number; acceptIn?: number; okOut?: number };
  trying?: number;
  created?: number;
  routed?: number;
  callOut?: number;
  acceptIn?: number;
  okOut?: number;
  answered?: number;
}
const header = (text: string, name: string): string | undefined =>
  new RegExp(`^${name}:\\s*(.+?)\\s*$`, 'im').exec(text)?.[1];
const tag = (text: string, name: string): string | undefined =>
  new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
const timelines: Timeline[] = [];
const bySipCallId = new Map<string, Timeline>();
const bySession = new Map<string, Timeline>();
const byGatewayId = new Map<string, Timeline>();
let current: Timeline | undefined;
let overlaps = 0;
for (const event of wire) {
  if (event.kind === 'sip-in') {
    const id = header(event.text, 'Call-ID');
    if (!id || bySipCallId.has(id)) continue; // a retransmission
    if (current && current.okOut === undefined) overlaps++;
    current = { sipCallId: id, invite: event.at, cpu: { invite: event.cpu } };
    timelines.push(current);
    bySipCallId.set(id, current);
  } else if (event.kind === 'event') {
    if (event.type === 'call.created' && current && current.created === undefined) {
      current.created = event.at;
      current.gatewayId = event.callId;
      byGatewayId.set(event.callId, current);
    }
    const timeline = byGatewayId.get(event.callId);
    if (event.type === 'call.routed' && timeline) timeline.routed ??= event.at;
    if (event.type === 'call.answered' && timeline) timeline.answered ??= event.at;
  } else if (event.kind === 'chat-out') {
    const session = tag(event.text, 'sessionID');
    if (!session || bySession.has(session) || !current || current.callOut !== undefined) continue;
    current.callOut = event.at;
    current.cpu.callOut = event.cpu;
    bySession.set(session, current);
  } else if (event.kind === 'chat-in') {
    const timeline = bySession.get(tag(event.text, 'sessionID') ?? '');
    if (!timeline || timeline.acceptIn !== undefined) continue;
    timeline.acceptIn = event.at;
    timeline.cpu.acceptIn = event.cpu;
  } else if (event.kind === 'sip-out' && /^CSeq:\s*\d+\s+INVITE/im.test(event.text)) {
    const timeline = bySipCallId.get(header(event.text, 'Call-ID') ?? '');
    if (!timeline) continue;
    if (event.text.startsWith('SIP/2.0 100')) {
      if (timeline.trying !== undefined) continue;
      timeline.trying = event.at;
      timeline.cpu.trying = event.cpu;
    } else if (timeline.okOut === undefined) {
      timeline.okOut = event.at;
      timeline.cpu.okOut = event.cpu;
    }
  }
}
const complete = timelines.filter(
  (t): t is Required<Timeline> =>
    t.gatewayId !== undefined &&
    t.trying !== undefined &&
    t.created !== undefined &&
    t.routed !== undefined &&
    t.answered !== undefined &&
    t.callOut !== undefined &&
    t.acceptIn !== undefined &&
    t.okOut !== undefined,
);
const measured = complete.slice(warmup);
const spansOf = new Map<string, Span[]>();
for (const span of spans) spansOf.set(span.callId, [...(spansOf.get(span.callId) ?? []), span]);

function stats(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: with 100 values p50 is the 50th and p99 the 99th (the max is printed apart).
  const at = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
  const f = (value: number | undefined) => (value === undefined ? 'n/a' : value.toFixed(2));
  return `${f(at(50))} | ${f(at(99))} | ${f(sorted.at(-1))}`;
}
const column = (pick: (t: Required<Timeline>) => number) => stats(measured.map(pick));

/** The relay's calls that ran inside [from, to] of each call, by name, and the time outside them. */
function breakdown(
  label: string,
  from: (t: Required<Timeline>) => number,
  to: (t: Required<Timeline>) => number,
) {
  const byName = new Map<string, number[]>();
  const rest: number[] = [];
  for (const t of measured) {
    const inside = (spansOf.get(t.gatewayId) ?? []).filter(
      (span) => span.start >= from(t) && span.end <= to(t),
    );
    const sums = new Map<string, number>();
    for (const span of inside) sums.set(span.name, (sums.get(span.name) ?? 0) + span.end - span.start);
    for (const [name, sum] of sums) byName.set(name, [...(byName.get(name) ?? []), sum]);
    rest.push(to(t) - from(t) - [...sums.values()].reduce((a, b) => a + b, 0));
  }
  for (const [name, values] of byName) {
    const share = values.length === measured.length ? '' : ` (in ${values.length} calls)`;
    console.log(`|   ${label}: media relay \`${name}\`${share} | ${stats(values)} |`);
  }
  console.log(
    `|   ${label}: everything else (SIP adapter, core, hooks, ConnectyCube adapter, waits) | ${stats(rest)} |`,
  );
}

console.log(
  `\nGateway set-up overhead, SIP → ConnectyCube, ${measured.length} calls measured after ${warmup} warm-up` +
    ` (${complete.length}/${timelines.length} INVITEs fully traced, ${overlaps} overlapping; sipp exit ${sippCode})`,
);
console.log(
  `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; load average (1/5/15 min)` +
    ` before ${loadBefore.map((v) => v.toFixed(2)).join(' ')}, after ${loadAfter.map((v) => v.toFixed(2)).join(' ')}\n`,
);
console.log('| interval (ms) | p50 | p99 | max |\n|---|---:|---:|---:|');
console.log(`| **INVITE in → \`call\` stanza out** | ${column((t) => t.callOut - t.invite)} |`);
console.log(
  `|   gateway process CPU time in that interval | ${column((t) => (t.cpu.callOut ?? 0) - t.cpu.invite)} |`,
);
console.log(`|   INVITE in → 100 Trying out | ${column((t) => t.trying - t.invite)} |`);
console.log(
  `|     gateway process CPU time in that interval | ${column((t) => (t.cpu.trying ?? 0) - t.cpu.invite)} |`,
);
console.log(`|   INVITE in → \`call.created\` | ${column((t) => t.created - t.invite)} |`);
console.log(
  `|   \`call.created\` → \`call.routed\` (admit and route hooks) | ${column((t) => t.routed - t.created)} |`,
);
console.log(`|   \`call.routed\` → \`call\` stanza out | ${column((t) => t.callOut - t.routed)} |`);
breakdown(
  'of INVITE → call',
  (t) => t.invite,
  (t) => t.callOut,
);
console.log(`| **\`accept\` stanza in → 200 OK out** | ${column((t) => t.okOut - t.acceptIn)} |`);
console.log(
  `|   gateway process CPU time in that interval | ${column((t) => (t.cpu.okOut ?? 0) - (t.cpu.acceptIn ?? 0))} |`,
);
breakdown(
  'of accept → 200',
  (t) => t.acceptIn,
  (t) => t.okOut,
);
console.log(`|   200 OK out → \`call.answered\` | ${column((t) => t.answered - t.okOut)} |`);
console.log(
  `| outside the gateway: \`call\` out → \`accept\` in (sandbox and app, both hops) | ${column((t) => t.acceptIn - t.callOut)} |`,
);
console.log(`| the phone's INVITE → 200 OK (sipp rtd, every call, 1 ms resolution) | ${stats(phoneSetup)} |`);
process.exit(measured.length === calls ? 0 : 1);
