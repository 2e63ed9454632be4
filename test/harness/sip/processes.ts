// Child processes for SIP tests: spawned with their output kept for failure messages, stopped by PID.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import dgram from 'node:dgram';

export interface TestProcess {
  readonly pid: number;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export function startProcess(
  command: string,
  args: readonly string[],
  options: { cwd?: string } = {},
): TestProcess {
  const child: ChildProcess = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (error) => {
      output += `\nspawn error: ${error.message}`;
      resolve(null);
    });
  });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  return {
    pid,
    output: () => output,
    exited,
    async stop(graceMs = 3000) {
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!gone) child.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/*
 * Ports for the peers a test starts (Kamailio, baresip, sipp, …) come from 30000–32767: below the kernel's
 * ephemeral range (32768+), so no bind to port 0 and no outgoing connection (werift's ICE sockets, Chromium,
 * every fetch) can take a port between the moment it is handed out and the moment the peer binds it — with
 * `listen(0)` that race was real. Each vitest worker walks its own slice, forward, so two workers never hand
 * out the same port and a port just used is not handed out again soon. Steps of 4 leave the neighbours free:
 * peers take port + 1 for themselves (baresip its TLS listener, RTP its RTCP).
 */
const handedOutRange = { low: 30_000, high: 32_767 };
const workerSlots = 8;
const workerSlot = (Number(process.env.VITEST_POOL_ID ?? process.pid) - 1 + workerSlots) % workerSlots;
const sliceSize = Math.floor((handedOutRange.high - handedOutRange.low + 1) / workerSlots);
const sliceStart = handedOutRange.low + workerSlot * sliceSize;
const stride = 4;
let nextInSlice = 0;

/** A port nobody listens on right now, for both UDP and TCP (so a SIP server can take both). */
export async function freePort(): Promise<number> {
  for (let tried = 0; tried < sliceSize / stride; tried++) {
    const port = sliceStart + ((nextInSlice++ * stride) % sliceSize);
    if ((await tcpFree(port)) && (await udpFree(port))) return port;
  }
  throw new Error(`no free port in ${sliceStart}-${sliceStart + sliceSize - 1}`);
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await probe();
    if (result !== undefined && result !== false) return result;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
