// Runs one sipp scenario from test/sipp/ on loopback and returns its exit code and message log.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startProcess, type TestProcess } from './processes.ts';

export const sippScenarioDir = fileURLToPath(new URL('../../sipp/', import.meta.url));

export interface SippOptions {
  readonly scenario: string;
  /** `host:port` to call (UAC scenarios); omit for a UAS. */
  readonly remote?: string;
  /** Request-URI user (`-s`). */
  readonly service?: string;
  readonly localIp?: string;
  /** Written into a copy of the scenario for each `{{name}}`, e.g. `{ code: '486' }`. */
  readonly variables?: Readonly<Record<string, string>>;
  readonly timeoutSec?: number;
  /** Default `udp`; `tcp` uses one TCP connection (`-t t1`). */
  readonly transport?: 'udp' | 'tcp';
  /** Echo every RTP packet that reaches sipp's media port back to its sender (`-rtp_echo`). */
  readonly rtpEcho?: boolean;
}

export interface SippRun {
  readonly port: number;
  readonly process: TestProcess;
  /** Resolves when sipp exits: its code (0 = every call succeeded) and everything it sent and received. */
  readonly done: Promise<{ code: number | null; messages: string; output: string }>;
}

const running = new Set<TestProcess>();

/** Stops every sipp still running (call from `afterEach`, so a failed test leaves none behind). */
export async function stopSipps(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

export async function runSipp(options: SippOptions): Promise<SippRun> {
  const dir = mkdtempSync(join(tmpdir(), 'cb-sipp-'));
  const ip = options.localIp ?? '127.0.0.1';
  const port = await freePort();
  const messageFile = join(dir, 'messages.log');
  const scenario = join(dir, options.scenario);
  let text = readFileSync(join(sippScenarioDir, options.scenario), 'utf8');
  for (const [name, value] of Object.entries(options.variables ?? {}))
    text = text.replaceAll(`{{${name}}}`, value);
  writeFileSync(scenario, text);
  const args = [
    ...(options.remote ? [options.remote] : []),
    '-sf',
    scenario,
    '-i',
    ip,
    '-p',
    String(port),
    '-bind_local',
    '-ci',
    ip,
    '-cp',
    String(await freePort()),
    '-mi',
    ip,
    '-mp',
    String(await freePort()),
    '-m',
    '1',
    '-nostdin',
    '-timeout',
    `${options.timeoutSec ?? 20}s`,
    '-timeout_error',
    '-trace_msg',
    '-message_file',
    messageFile,
    ...(options.service ? ['-s', options.service] : []),
    ...(options.transport === 'tcp' ? ['-t', 't1'] : []),
    ...(options.rtpEcho ? ['-rtp_echo'] : []),
  ];
  const child = startProcess('sipp', args, { cwd: dir });
  running.add(child);
  const done = child.exited.then((code) => {
    running.delete(child);
    let messages = '';
    try {
      messages = readFileSync(messageFile, 'utf8');
    } catch {
      // sipp did not get far enough to write a log
    }
    rmSync(dir, { recursive: true, force: true });
    return { code, messages, output: child.output() };
  });
  return { port, process: child, done };
}

/** How many messages of a kind sipp received (`'SIP/2.0 200'`, `'INVITE sip:'`) according to its log. */
export function countReceived(messages: string, startLine: string): number {
  return messages
    .split(/-{20,}/)
    .filter((entry) => /message received/i.test(entry))
    .filter((entry) => entry.split('\n').some((line) => line.startsWith(startLine))).length;
}
