// A stock Janus (Debian `janus`) run by the sandbox: its own config folder (video room plugin and WebSocket transport
// only, on a free loopback port), started and stopped with the sandbox.
import { type ChildProcess, spawn } from 'node:child_process';
import { access, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import WebSocket from 'ws';
import { JanusStartError } from '../errors.ts';
import type { SandboxLogger } from '../SandboxTypes.ts';

export interface JanusProcessOptions {
  /** The janus binary. */
  readonly binary: string;
  /** `nat.ice_enforce_list`: interfaces Janus gathers ICE candidates on (Janus never uses loopback ones). */
  readonly iceInterfaces?: string;
  readonly logger: SandboxLogger;
}

/** Where distributions install Janus's plugins, transports, events and loggers. */
const libraryFolders = [
  '/usr/lib/x86_64-linux-gnu/janus',
  '/usr/lib/aarch64-linux-gnu/janus',
  '/usr/lib/janus',
  '/usr/local/lib/janus',
  '/opt/janus/lib/janus',
];

const startTimeoutMs = 15_000;
/** Attempts, each on a fresh port, before giving up (see `start`). */
const startAttempts = 3;
const stopTimeoutMs = 5_000;

/** The janus binary on PATH, or undefined when Janus is not installed. */
export async function findJanusBinary(): Promise<string | undefined> {
  for (const folder of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(folder, 'janus');
    if (await isPresent(candidate)) return candidate;
  }
  return undefined;
}

export class JanusProcess {
  readonly #child: ChildProcess;
  readonly #folder: string;
  readonly #logger: SandboxLogger;
  readonly #exited: Promise<void>;
  /** The Janus WebSocket API (subprotocol `janus-protocol`). */
  readonly url: string;
  #closing: Promise<void> | undefined;
  /** Set when the binary could not be run at all (ENOENT, EACCES): then no 'exit' ever comes. */
  #spawnError: Error | undefined;

  private constructor(child: ChildProcess, folder: string, url: string, logger: SandboxLogger) {
    this.#child = child;
    this.#folder = folder;
    this.url = url;
    this.#logger = logger;
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (!this.closed)
          logger.warn({ code, signal }, 'janus exited unexpectedly: conferences stop working');
        resolve();
      });
      child.once('error', (error) => {
        if (child.pid === undefined) {
          this.#spawnError = error;
          resolve();
        }
      });
    });
  }

  /**
   * Janus binds a port we pick for it, so another process can take that port first (the window is short, but
   * a test suite opens many sockets): then Janus exits or never listens there, and we try again on another port.
   */
  static async start(options: JanusProcessOptions): Promise<JanusProcess> {
    const libraries = await findLibraryFolder();
    for (let attempt = 1; ; attempt++) {
      try {
        return await JanusProcess.#startOnce(options, libraries);
      } catch (error) {
        if (attempt >= startAttempts || !(error instanceof JanusStartError) || !error.retryable) throw error;
        options.logger.warn({ err: error, attempt }, 'janus did not come up; trying another port');
      }
    }
  }

  static async #startOnce(options: JanusProcessOptions, libraries: string): Promise<JanusProcess> {
    const folder = await mkdtemp(join(tmpdir(), 'cubebridge-janus-'));
    try {
      const port = await freePort();
      await writeConfig(folder, libraries, port, options.iceInterfaces);
      const child = spawn(
        options.binary,
        ['-C', join(folder, 'janus.jcfg'), '-F', folder, '-o', '-L', join(folder, 'janus.log')],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      const janus = new JanusProcess(child, folder, `ws://127.0.0.1:${port}`, options.logger);
      try {
        await janus.#waitUntilListening(child);
      } catch (error) {
        await janus.close();
        throw error;
      }
      options.logger.info({ url: janus.url, pid: child.pid }, 'janus started for conferences');
      return janus;
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      throw error instanceof JanusStartError
        ? error
        : new JanusStartError(`janus could not start: ${String(error)}`, { cause: error });
    }
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  get #running(): boolean {
    return this.#spawnError === undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** SIGTERM, then SIGKILL if Janus has not left after a few seconds; the config folder goes too. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#running) {
        this.#child.kill('SIGTERM');
        const timer = setTimeout(() => this.#child.kill('SIGKILL'), stopTimeoutMs);
        await this.#exited;
        clearTimeout(timer);
      }
      await rm(this.#folder, { recursive: true, force: true });
      this.#logger.info('janus stopped');
    })();
    return this.#closing;
  }

  /** Janus has no readiness signal: poll its WebSocket port until it answers, or fail when it exits. */
  async #waitUntilListening(child: ChildProcess): Promise<void> {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    const deadline = Date.now() + startTimeoutMs;
    while (Date.now() < deadline) {
      if (this.#spawnError) throw new JanusStartError(`janus could not be run: ${this.#spawnError.message}`);
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new JanusStartError(
          `janus exited during start (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`,
          { retryable: true },
        );
      }
      if (await answersWebSocket(this.url)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new JanusStartError(`janus did not listen on ${this.url} within ${startTimeoutMs} ms`, {
      retryable: true,
    });
  }
}

async function findLibraryFolder(): Promise<string> {
  for (const folder of libraryFolders) {
    if (await isPresent(join(folder, 'plugins', 'libjanus_videoroom.so'))) return folder;
  }
  throw new JanusStartError(`no Janus video room plugin found in ${libraryFolders.join(', ')}`);
}

/** Turns off every plugin and transport in `folder` except the ones named in `keep`. */
async function disableAllBut(folder: string, keep: string): Promise<string> {
  const names = await readdir(folder).catch(() => [] as string[]);
  return names.filter((name) => name.endsWith('.so') && name !== keep).join(',');
}

async function writeConfig(
  folder: string,
  libraries: string,
  port: number,
  iceInterfaces: string | undefined,
): Promise<void> {
  const janus = `general: {
	configs_folder = "${folder}"
	plugins_folder = "${libraries}/plugins"
	transports_folder = "${libraries}/transports"
	events_folder = "${libraries}/events"
	loggers_folder = "${libraries}/loggers"
	debug_level = 4
	server_name = "cubebridge-sandbox-janus"
	session_timeout = 60
}
certificates: {
}
media: {
	rtp_port_range = "20000-40000"
}
nat: {
	nice_debug = false
${iceInterfaces ? `\tice_enforce_list = "${iceInterfaces}"\n` : ''}}
plugins: {
	disable = "${await disableAllBut(join(libraries, 'plugins'), 'libjanus_videoroom.so')}"
}
transports: {
	disable = "${await disableAllBut(join(libraries, 'transports'), 'libjanus_websockets.so')}"
}
loggers: {
	disable = "${await disableAllBut(join(libraries, 'loggers'), '')}"
}
events: {
	broadcast = false
}
`;
  const websockets = `general: {
	json = "plain"
	ws = true
	ws_port = ${port}
	ws_ip = "127.0.0.1"
	wss = false
}
admin: {
	admin_ws = false
	admin_wss = false
}
`;
  // No rooms in the file: the proxy creates each one on its first join.
  const videoroom = 'general: {\n}\n';
  await writeFile(join(folder, 'janus.jcfg'), janus);
  await writeFile(join(folder, 'janus.transport.websockets.jcfg'), websockets);
  await writeFile(join(folder, 'janus.plugin.videoroom.jcfg'), videoroom);
}

async function isPresent(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** A port that was free a moment ago (Janus binds it itself, so a race with another process is possible but rare). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function answersWebSocket(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, 'janus-protocol');
    socket.once('open', () => {
      socket.terminate();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
