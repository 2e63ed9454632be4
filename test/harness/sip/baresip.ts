// baresip 1.0 as a UDP phone for SIP tests: registers to Kamailio, plays a WAV (the tone the gateway must
// hear), records what it hears (sndfile), and is driven over ctrl_tcp (netstring JSON) with its events.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWavSamples, toneBlocks, writeToneWav } from './audio.ts';
import { freePort, startProcess, type TestProcess, waitFor } from './processes.ts';

export interface BaresipEvent {
  readonly type: string;
  readonly param?: string;
  readonly [key: string]: unknown;
}

export interface BaresipPhoneOptions {
  readonly name: string;
  /** Kamailio's UDP port (the phone registers as `name` there). */
  readonly registrarPort: number;
  /** Tone the phone sends, in Hz. */
  readonly toneHz: number;
  /** `auto` answers incoming calls at once; `manual` lets them ring. */
  readonly answer?: 'auto' | 'manual';
  /** Register at `registrarPort` (default true); false makes a phone that dials URIs directly (a trunk). */
  readonly register?: boolean;
}

export interface BaresipPhone {
  readonly name: string;
  readonly sipPort: number;
  readonly events: readonly BaresipEvent[];
  /** Sends a ctrl_tcp command (e.g. `dial`, `hangup`, `hold`, `resume`, `accept`) and waits for its response. */
  command(command: string, params?: string): Promise<string>;
  /** Resolves with the first event of `type` (optionally matching) seen since `since` (an index into `events`). */
  waitEvent(
    type: string,
    options?: { since?: number; match?: (event: BaresipEvent) => boolean; timeoutMs?: number },
  ): Promise<BaresipEvent>;
  /** Samples of the newest recording of what the phone heard (after the call). */
  heardSamples(): Int16Array;
  /**
   * How many 20 ms blocks of its recording carry `hz`, once the recording (written after the call closed) has
   * stopped growing.
   */
  heardTone(hz: number): Promise<number>;
  readonly output: () => string;
  close(): Promise<void>;
}

export async function startBaresipPhone(options: BaresipPhoneOptions): Promise<BaresipPhone> {
  const dir = mkdtempSync(join(tmpdir(), `cb-baresip-${options.name}-`));
  const recordings = join(dir, 'rec');
  mkdirSync(recordings);
  const sipPort = await freePort();
  const ctrlPort = await freePort();
  // Away from the media relay's default RTP range (20000-29999), which other suites use in parallel.
  const rtpStart = 42000 + Math.floor(Math.random() * 70) * 100;
  const wav = join(dir, 'tone.wav');
  writeToneWav(wav, options.toneHz, 180); // aufile hangs up at the end of the file: make it outlast any test
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${sipPort}`,
      'net_interface 127.0.0.1',
      'dns_server 127.0.0.1:53',
      'call_local_timeout 120',
      'call_max_calls 4',
      'audio_player aubridge,nil',
      `audio_source aufile,${wav}`,
      'audio_alert aubridge,nil',
      'audio_level no',
      'audio_buffer 20-160',
      `rtp_ports ${rtpStart}-${rtpStart + 99}`,
      'rtcp_mux no',
      'jitter_buffer_delay 5-10',
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module aufile.so',
      'module aubridge.so',
      'module sndfile.so',
      'module_tmp uuid.so',
      'module_tmp account.so',
      'module_app contact.so',
      'module_app menu.so',
      'module_app ctrl_tcp.so',
      `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
      `snd_path ${recordings}`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'accounts'),
    `<sip:${options.name}@127.0.0.1:${options.registrarPort};transport=udp>;answermode=${options.answer ?? 'auto'};audio_codecs=pcmu;regint=${options.register === false ? 0 : 600};auth_pass=secret\n`,
  );
  writeFileSync(join(dir, 'contacts'), '');
  const child: TestProcess = startProcess('baresip', ['-f', dir], { cwd: dir });
  const events: BaresipEvent[] = [];
  const pending = new Map<string, (response: string) => void>();
  let socket: Socket | undefined;
  let tokens = 0;
  try {
    socket = await waitFor('baresip ctrl_tcp', () => tryConnect(ctrlPort), 15_000);
    let buffer = Buffer.alloc(0);
    socket.on('data', (data) => {
      buffer = Buffer.concat([buffer, data]);
      for (;;) {
        const colon = buffer.indexOf(0x3a);
        if (colon < 0) break;
        const length = Number.parseInt(buffer.subarray(0, colon).toString(), 10);
        if (buffer.length < colon + 1 + length + 1) break;
        const message = JSON.parse(buffer.subarray(colon + 1, colon + 1 + length).toString()) as Record<
          string,
          unknown
        >;
        buffer = buffer.subarray(colon + 2 + length);
        if (message.event) events.push(message as unknown as BaresipEvent);
        else if (message.response && typeof message.token === 'string')
          pending.get(message.token)?.(String(message.data ?? ''));
      }
    });
    // REGISTER_OK may come before ctrl_tcp accepts us: the console line is the reliable sign.
    if (options.register !== false) {
      await waitFor(`${options.name} registered`, () => / 200 OK /.test(child.output()), 15_000);
    }
  } catch (error) {
    socket?.destroy();
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}\n${child.output()}`);
  }
  const control = socket;
  const phone: BaresipPhone = {
    name: options.name,
    sipPort,
    events,
    output: child.output,
    command(command, params = '') {
      const token = `t${++tokens}`;
      const json = JSON.stringify({ command, params, token });
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`baresip '${command}' got no response`)), 10_000);
        pending.set(token, (response) => {
          clearTimeout(timer);
          pending.delete(token);
          resolve(response);
        });
        control.write(`${Buffer.byteLength(json)}:${json},`);
      });
    },
    waitEvent(type, waitOptions = {}) {
      const since = waitOptions.since ?? 0;
      return waitFor(
        `baresip ${options.name} event ${type}`,
        () =>
          events.slice(since).find((event) => event.type === type && (waitOptions.match?.(event) ?? true)),
        waitOptions.timeoutMs ?? 15_000,
      );
    },
    heardSamples() {
      const heard = readdirSync(recordings)
        .filter((file) => file.endsWith('-dec.wav'))
        .sort();
      const newest = heard.at(-1);
      return newest ? readWavSamples(join(recordings, newest)) : new Int16Array(0);
    },
    heardTone(hz) {
      let previous = -1;
      return waitFor('the phone recording', async () => {
        const blocks = toneBlocks(phone.heardSamples(), hz);
        const settled = blocks > 0 && blocks === previous;
        previous = blocks;
        await new Promise((resolve) => setTimeout(resolve, 300));
        return settled ? blocks : undefined;
      });
    },
    async close() {
      control.destroy();
      await child.stop(4000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return phone;
}

function tryConnect(port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(socket));
    socket.once('error', () => resolve(undefined));
  });
}
