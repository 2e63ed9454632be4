// SDES-SRTP interop with a real phone: baresip (srtp-mand: RTP/SAVP, a=crypto) calls the relay; its tone arrives
// decrypted and authenticated on our side, and digits we send are decrypted and reported by baresip.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeG711 } from '@cubebridge/codecs';
import {
  type WeriftMediaSession,
  type WeriftRelay,
  weriftRelay,
} from '../../adapters/media-werift/src/index.ts';
import { MiniUas } from '../harness/media/MiniUas.ts';
import { silentLogger } from '../harness/media/silentLogger.ts';
import { toneShare, writeToneWav } from '../harness/sip/audio.ts';
import { freePort, startProcess, type TestProcess, waitFor } from '../harness/sip/processes.ts';

describe('SDES-SRTP against baresip', () => {
  let relay: WeriftRelay;
  let session: WeriftMediaSession;
  let uas: MiniUas;
  let baresip: TestProcess | undefined;
  let control: Socket | undefined;
  let dir: string;
  const events: { type: string; param?: string }[] = [];

  beforeAll(async () => {
    relay = weriftRelay({ bindAddress: '127.0.0.1', rtpPorts: [46000, 46999], srtp: 'optional' });
    session = await relay.createSession({ callId: 'baresip-sdes', logger: silentLogger, statsIntervalMs: 0 });
    uas = await new MiniUas(async (offer) => {
      await session.sip.setRemoteOffer(offer);
      return session.sip.createAnswer();
    }).bind();
    dir = mkdtempSync(join(tmpdir(), 'cb-baresip-sdes-'));
    const ctrlPort = await freePort();
    const sipPort = await freePort();
    writeToneWav(join(dir, 'tone.wav'), 1000, 120);
    writeFileSync(
      join(dir, 'config'),
      [
        'poll_method epoll',
        `sip_listen 127.0.0.1:${sipPort}`,
        'net_interface 127.0.0.1',
        'dns_server 127.0.0.1:53',
        'audio_player aubridge,nil',
        `audio_source aufile,${join(dir, 'tone.wav')}`,
        'audio_alert aubridge,nil',
        'rtp_ports 47000-47099',
        'rtcp_mux no',
        'module_path /usr/lib/baresip/modules',
        'module g711.so',
        'module aufile.so',
        'module aubridge.so',
        'module srtp.so',
        'module_tmp uuid.so',
        'module_tmp account.so',
        'module_app contact.so',
        'module_app menu.so',
        'module_app ctrl_tcp.so',
        `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'accounts'),
      '<sip:tester@127.0.0.1>;regint=0;mediaenc=srtp-mand;audio_codecs=pcmu\n',
    );
    writeFileSync(join(dir, 'contacts'), '');
    baresip = startProcess('baresip', ['-f', dir], { cwd: dir });
    control = await waitFor('baresip ctrl_tcp', () => tryConnect(ctrlPort), 15_000);
    let buffer = Buffer.alloc(0);
    control.on('data', (data) => {
      buffer = Buffer.concat([buffer, data]);
      for (;;) {
        const colon = buffer.indexOf(0x3a);
        if (colon < 0) break;
        const length = Number.parseInt(buffer.subarray(0, colon).toString(), 10);
        if (buffer.length < colon + 2 + length) break;
        const message = JSON.parse(buffer.subarray(colon + 1, colon + 1 + length).toString()) as {
          event?: boolean;
          type: string;
          param?: string;
        };
        buffer = buffer.subarray(colon + 2 + length);
        if (message.event) events.push(message);
      }
    });
  });

  afterAll(async () => {
    control?.destroy();
    await baresip?.stop(4000);
    await session?.close();
    await relay?.stop();
    await uas?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('negotiates RTP/SAVP with AES_CM_128_HMAC_SHA1_80 and carries audio and DTMF both ways', async () => {
    const tap = session.tap('sip');
    const heard: number[] = [];
    tap.packets$.subscribe((packet) => heard.push(toneShare(decodeG711('PCMU', packet.payload), 1000, 8000)));
    const json = JSON.stringify({
      command: 'dial',
      params: `sip:relay@127.0.0.1:${uas.port}`,
      token: 'dial',
    });
    control?.write(`${Buffer.byteLength(json)}:${json},`);
    try {
      await waitFor(
        'the call to be established',
        () => events.some((event) => event.type === 'CALL_ESTABLISHED'),
        15_000,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${baresip?.output()}`);
    }
    const offer = uas.invites[0] ?? '';
    expect(offer).toMatch(/m=audio \d+ RTP\/SAVP /);
    expect(offer).toMatch(/a=crypto:\d+ AES_CM_128_HMAC_SHA1_80 inline:/);
    expect(session.sip.audio?.codec).toBe('PCMU');

    await waitFor(
      'baresip’s tone, decrypted',
      () => heard.filter((ratio) => ratio > 0.5).length >= 50,
      15_000,
    );
    expect(session.sip.invalidPackets).toBe(0);

    await session.sendDtmf('sip', '7', 200);
    await session.sendDtmf('sip', '3', 200);
    await waitFor(
      'baresip to report our digits',
      () =>
        events
          .filter((event) => event.type === 'CALL_DTMF_START')
          .map((event) => event.param)
          .join('') === '73',
      15_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(events)}`);
    });
  });
});

function tryConnect(port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(socket));
    socket.once('error', () => resolve(undefined));
  });
}
