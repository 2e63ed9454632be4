// `pnpm bench:media`: N concurrent calls through the relay in one process, load from another, each call 50 packets/s
// of 20 ms audio each way; CPU per call, µs per relayed packet, latency, memory and loss, beside a plain UDP relay
// (the floor) measured in the same run. Usage: pnpm bench:media [--calls 1,10,50] [--modes udp-floor,relay,transcode]
// [--seconds 10]. Results print as a Markdown table (copied into BENCHMARKS.md).

import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  BenchMode,
  FromGateway,
  FromLoad,
  GatewayMeasurement,
  LoadMeasurement,
  ToGateway,
  ToLoad,
} from './protocol.ts';

const here = dirname(fileURLToPath(import.meta.url));
const argument = (name: string, fallback: string): string => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? (process.argv[index + 1] ?? fallback) : fallback;
};
const callCounts = argument('calls', '1,10,50,100,200').split(',').map(Number);
const modes = argument('modes', 'udp-floor,relay,transcode').split(',') as BenchMode[];
const seconds = Number(argument('seconds', '10'));
const warmupSeconds = 3;

function pin(child: ChildProcess, cpu: number): void {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(child.pid)], { stdio: 'ignore' });
  } catch {
    // No taskset or a single CPU: run unpinned (noted in the output).
  }
}

function next<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string }): void => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as T);
    };
    const onExit = (code: number | null): void =>
      reject(new Error(`child exited (${code}) while waiting for ${type}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function run(
  mode: BenchMode,
  calls: number,
): Promise<{ gateway: GatewayMeasurement; load: LoadMeasurement; setupMs: number }> {
  const options = {
    execArgv: ['--conditions=@cubebridge/source', '--no-warnings'],
    stdio: 'inherit' as const,
  };
  // BENCH_PROFILE=<dir> writes a V8 CPU profile of the gateway (where the time goes).
  const profile = process.env.BENCH_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
    : [];
  const gateway = fork(join(here, 'gateway.ts'), [], {
    ...options,
    execArgv: [...options.execArgv, ...profile],
  });
  const load = fork(join(here, 'load.ts'), [], options);
  try {
    pin(gateway, 0);
    pin(load, 1);
    await next(gateway, 'ready');
    gateway.send({ type: 'setup', mode } satisfies ToGateway);
    await next(gateway, 'ready');
    const setupStarted = performance.now();
    // Offers flow load → gateway, answers gateway → load, one call at a time as a gateway would see them.
    load.on('message', (message: FromLoad) => {
      if (message.type === 'offer') gateway.send({ type: 'offer', offer: message.offer } satisfies ToGateway);
    });
    gateway.on('message', (message: FromGateway) => {
      if (message.type === 'answer') load.send({ type: 'answer', answer: message.answer } satisfies ToLoad);
    });
    const connected = next(load, 'connected');
    load.send({ type: 'setup', mode, calls } satisfies ToLoad);
    await connected;
    const setupMs = performance.now() - setupStarted;
    load.send({ type: 'start' } satisfies ToLoad);
    await new Promise((resolve) => setTimeout(resolve, warmupSeconds * 1000));
    load.send({ type: 'window', open: true } satisfies ToLoad);
    const measured = next<{ result: GatewayMeasurement }>(gateway, 'measured');
    gateway.send({ type: 'measure', seconds } satisfies ToGateway);
    const gatewayResult = (await measured).result;
    const loadMeasured = next<{ result: LoadMeasurement }>(load, 'measured');
    load.send({ type: 'window', open: false } satisfies ToLoad);
    return { gateway: gatewayResult, load: (await loadMeasured).result, setupMs };
  } finally {
    gateway.send({ type: 'exit' } satisfies ToGateway);
    load.send({ type: 'exit' } satisfies ToLoad);
    await Promise.all(
      [gateway, load].map(
        (child) =>
          new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve))),
      ),
    );
  }
}

const fixed = (value: number | undefined, digits = 1): string =>
  value === undefined ? 'n/a' : value.toFixed(digits);

console.log(
  `# media relay benchmark — ${new Date().toISOString()}, ${seconds} s measured after ${warmupSeconds} s warm-up`,
);
console.log(
  '| mode | calls | gw CPU % | CPU %/call | µs/packet | pps/stream | loss % | e2e p50 / p99 ms | loop p99 ms | RSS MB (per call) | setup s |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const mode of modes) {
  for (const calls of callCounts) {
    try {
      const { gateway, load, setupMs } = await run(mode, calls);
      const cpuMs = gateway.cpuUserMs + gateway.cpuSystemMs;
      const cpuPercent = (cpuMs / gateway.wallMs) * 100;
      const loss = load.sent > 0 ? Math.max(0, 1 - load.received / load.sent) * 100 : 0;
      const perCallMb = (gateway.rssMb - gateway.baselineRssMb) / calls;
      console.log(
        `| ${mode} | ${calls} | ${fixed(cpuPercent)} | ${fixed(cpuPercent / calls, 2)} | ${fixed((cpuMs * 1000) / Math.max(1, gateway.packetsRelayed))} | ${fixed(load.ppsPerStream)} | ${fixed(loss, 2)} | ${fixed(load.latencyP50Ms, 2)} / ${fixed(load.latencyP99Ms, 2)} | ${fixed(gateway.loopDelayP99Ms)} | ${fixed(gateway.rssMb, 0)} (${fixed(perCallMb, 2)}) | ${fixed(setupMs / 1000)} |`,
      );
    } catch (error) {
      console.log(`| ${mode} | ${calls} | failed: ${(error as Error).message} |`);
    }
  }
}
