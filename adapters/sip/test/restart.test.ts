// A gateway killed with SIGKILL mid-call, started again with the same state folder: the phone gets its BYE
// from the new process (from the CallJournal the old one wrote on answer), and the journal is empty afterwards.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileCallJournal } from '@cubebridge/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort, startProcess, type TestProcess, waitFor } from '../../../test/harness/sip/processes.ts';
import { runSipp, stopSipps } from '../../../test/harness/sip/sipp.ts';

const gatewayScript = fileURLToPath(new URL('./fixtures/journaledTrunk.ts', import.meta.url));

describe('restart after kill -9', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'cb-state-'));
  const gateways: TestProcess[] = [];
  const startGateway = async (port: number) => {
    const gateway = startProcess(process.execPath, [
      '--conditions=@cubebridge/source',
      '--no-warnings',
      gatewayScript,
      String(port),
      stateDir,
    ]);
    gateways.push(gateway);
    await waitFor('the gateway to start', () => /^ready$/m.test(gateway.output()), 15_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${gateway.output()}`);
      },
    );
    return gateway;
  };
  const journalLines = () => {
    try {
      return readFileSync(join(stateDir, 'calls.jsonl'), 'utf8');
    } catch {
      return '';
    }
  };

  afterEach(async () => {
    await stopSipps();
    await Promise.all(gateways.splice(0).map((gateway) => gateway.stop()));
  });
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('sends the phone a BYE for the call the killed process left up, and empties the journal', async () => {
    const port = await freePort();
    const first = await startGateway(port);
    const sipp = await runSipp({
      scenario: 'uac_wait_for_bye.xml',
      remote: `127.0.0.1:${port}`,
      service: '1300',
      timeoutSec: 60,
    });
    // Written on answer: the dialog as a BYE needs it.
    await waitFor('the answered call in the journal', () => journalLines().includes('"up"'));
    const [record] = new Map(
      journalLines()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { up?: Record<string, unknown> })
        .flatMap((entry) => (entry.up ? [[entry.up.key, entry.up] as const] : [])),
    ).values();
    expect(record).toMatchObject({ kind: 'sip', via: { kind: 'trunk', name: 'trunk' }, transport: 'udp' });
    expect(record?.remoteTarget).toMatch(/^sip:sipp@127\.0\.0\.1:\d+$/);

    process.kill(first.pid, 'SIGKILL');
    await first.exited;
    const second = await startGateway(port);
    await waitFor('the orphan to be ended', () => /^orphans /m.test(second.output()), 40_000);
    expect(second.output()).toMatch(/^orphans \{"ended":1,"failed":0\}$/m);
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);
    expect(result.messages).toMatch(/^BYE sip:sipp@127\.0\.0\.1:\d+ SIP\/2\.0/m);

    await second.stop();
    expect(new FileCallJournal(stateDir).left).toEqual([]);
  }, 90_000);
});
