// Kamailio as registrar/proxy for SIP tests: the profile's kamailio.cfg on free loopback ports,
// foreground mode, ready once it answers OPTIONS; restartable on the same ports.
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startProcess, type TestProcess, waitFor } from './processes.ts';

export const kamailioConfigPath = fileURLToPath(
  new URL('../../../adapters/kamailio/kamailio.cfg', import.meta.url),
);

export interface Kamailio {
  /** SIP over UDP and over TCP (same port number). */
  readonly udpPort: number;
  readonly wsPort: number;
  readonly wsUrl: string;
  readonly output: () => string;
  stop(): Promise<void>;
  /** Start again on the same ports (registrations are gone: usrloc is in memory). */
  start(): Promise<void>;
  /** Stop for good and remove the working directory. */
  close(): Promise<void>;
}

export async function startKamailio(options: { auth?: boolean } = {}): Promise<Kamailio> {
  const dir = mkdtempSync(join(tmpdir(), 'cb-kamailio-'));
  const udpPort = await freePort();
  const wsPort = await freePort();
  const config = readFileSync(kamailioConfigPath, 'utf8')
    .replace('listen=udp:127.0.0.1:5060', `listen=udp:127.0.0.1:${udpPort}`)
    .replace('listen=tcp:127.0.0.1:5060', `listen=tcp:127.0.0.1:${udpPort}`)
    .replace('listen=tcp:127.0.0.1:8080', `listen=tcp:127.0.0.1:${wsPort}`);
  const configPath = join(dir, 'kamailio.cfg');
  writeFileSync(configPath, config);
  let child: TestProcess | undefined;
  let earlier = '';
  const start = async () => {
    child = startProcess('kamailio', [
      '-f',
      configPath,
      '-DD',
      '-E',
      '-Y',
      dir,
      '-P',
      join(dir, 'kamailio.pid'),
      ...(options.auth ? ['-A', 'WITH_AUTH'] : []),
    ]);
    const started = child;
    try {
      await waitFor('Kamailio to answer OPTIONS', () => optionsPing(udpPort), 15_000);
    } catch (error) {
      await started.stop();
      throw new Error(`${(error as Error).message}\n${started.output()}`);
    }
  };
  const stop = async () => {
    earlier += child?.output() ?? '';
    await child?.stop();
    child = undefined;
  };
  await start();
  return {
    udpPort,
    wsPort,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    output: () => earlier + (child?.output() ?? ''),
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One OPTIONS to the server itself; true when a 200 comes back within 300 ms. */
export function optionsPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => finish(false), 300);
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.close();
      resolve(ok);
    };
    socket.on('message', (message) => finish(message.toString().startsWith('SIP/2.0 200')));
    socket.on('error', () => finish(false));
    socket.bind(0, '127.0.0.1', () => {
      const local = socket.address().port;
      const branch = `z9hG4bK${Math.random().toString(36).slice(2)}`;
      socket.send(
        [
          `OPTIONS sip:127.0.0.1:${port} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=${branch};rport`,
          'Max-Forwards: 70',
          `From: <sip:probe@127.0.0.1>;tag=${branch}`,
          `To: <sip:127.0.0.1:${port}>`,
          `Call-ID: ${branch}@probe`,
          'CSeq: 1 OPTIONS',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
        port,
        '127.0.0.1',
      );
    });
  });
}
