// UDP keepalive and request retransmission, seen from a bare UDP socket playing the outbound proxy:
// OPTIONS arrive periodically with our real address in Via; an unanswered one is retransmitted (Timer E)
// and retransmission stops once it is answered.
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/harness/sip/processes.ts';
import { sipAdapter } from '../src/index.ts';
import { recordingContext } from './support.ts';

interface Seen {
  readonly text: string;
  readonly branch: string;
  readonly at: number;
  readonly port: number;
}

describe('keepalive OPTIONS over UDP', () => {
  const seen: Seen[] = [];
  let proxy: dgram.Socket;
  let adapter: ReturnType<typeof sipAdapter>;
  let answer = false;

  beforeAll(async () => {
    proxy = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => proxy.bind(0, '127.0.0.1', resolve));
    proxy.on('message', (data, remote) => {
      const text = data.toString();
      const branch = /branch=([^;\s,]+)/.exec(text)?.[1] ?? '';
      seen.push({ text, branch, at: Date.now(), port: remote.port });
      if (!answer || !text.startsWith('OPTIONS ')) return;
      const headers = text.split('\r\n').filter((line) => /^(Via|From|To|Call-ID|CSeq):/i.test(line));
      proxy.send(
        [
          'SIP/2.0 200 OK',
          ...headers.map((line) => (/^To:/i.test(line) ? `${line};tag=proxy` : line)),
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
        remote.port,
        remote.address,
      );
    });
    adapter = sipAdapter({
      accounts: [
        {
          aor: 'sip:kate@127.0.0.1',
          register: false,
          proxy: `sip:127.0.0.1:${proxy.address().port}`,
          transport: { kind: 'udp' },
          keepaliveSec: 1,
        },
      ],
    });
    await adapter.start(recordingContext().context);
  });

  afterAll(async () => {
    await adapter?.stop();
    proxy?.close();
  });

  it('retransmits an unanswered OPTIONS, stops once answered, and keeps sending new ones', async () => {
    const first = await waitFor('a first OPTIONS', () =>
      seen.find((message) => message.text.startsWith('OPTIONS ')),
    );
    expect(first.text).toMatch(
      new RegExp(`^Via: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${first.port};branch=\\S+;rport`, 'm'),
    );
    // Timer E: the same transaction again after T1 (500 ms) when nothing answers.
    await waitFor(
      'a retransmission',
      () => seen.filter((message) => message.branch === first.branch).length >= 2,
    );
    answer = true;
    const answeredAt = Date.now();
    const next = await waitFor('a later OPTIONS with a new transaction', () =>
      seen.find(
        (message) =>
          message.text.startsWith('OPTIONS ') && message.branch !== first.branch && message.at > answeredAt,
      ),
    );
    await waitFor('its answer to settle', () => Date.now() > next.at + 2500, 5000);
    const afterAnswer = seen.filter((message) => message.branch === next.branch);
    expect(afterAnswer).toHaveLength(1);
  });
});
