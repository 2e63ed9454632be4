// The CallJournal: the file-backed default (what a new process reads back, torn lines, compaction), and the
// gateway with a `stateDir` handing it to the adapters and ending, at start, the legs an earlier process left.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AdapterContext,
  type CallRecord,
  createGateway,
  FileCallJournal,
  type PlatformLegRecord,
  type SipDialogRecord,
} from '../src/index.ts';
import { InMemoryPlatform, InMemorySipAdapter, inMemoryPorts } from './doubles/InMemoryPorts.ts';
import { capturingLogger, waitFor } from './support.ts';

const dirs: string[] = [];
const stateDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-journal-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const sipRecord = (n: number): SipDialogRecord => ({
  kind: 'sip',
  key: `sip:call-${n}local-${n}remote-${n}`,
  since: 1_700_000_000_000,
  via: { kind: 'trunk', name: 'trunk' },
  callId: `call-${n}`,
  localTag: `local-${n}`,
  remoteTag: `remote-${n}`,
  localUri: 'sip:1001@gateway',
  remoteUri: 'sip:phone@127.0.0.1',
  remoteTarget: 'sip:phone@127.0.0.1:5070',
  routeSet: [],
  localCSeq: 3,
  transport: 'udp',
  destination: 'sip:phone@127.0.0.1:5070',
});
const platformRecord: PlatformLegRecord = {
  kind: 'platform',
  key: 'platform:10/session-1',
  since: 1_700_000_000_000,
  sessionId: 'session-1',
  identity: '10',
  peer: '20',
  callerId: '10',
  opponentIds: ['20'],
  callType: 2,
};

describe('FileCallJournal', () => {
  it('gives a new process the legs still up, and nothing of those that ended', () => {
    const dir = stateDir();
    const first = new FileCallJournal(dir);
    expect(first.left).toEqual([]);
    first.up(sipRecord(1));
    first.up(sipRecord(2));
    first.up(platformRecord);
    first.ended(sipRecord(1).key);
    // No close(): the process is killed.
    expect(new FileCallJournal(dir).left).toEqual([sipRecord(2), platformRecord]);
  });

  it('skips a line torn by a kill in the middle of a write', () => {
    const dir = stateDir();
    new FileCallJournal(dir).up(sipRecord(1));
    appendFileSync(join(dir, 'calls.jsonl'), '{"up":{"kind":"sip","key":"sip:tor');
    expect(new FileCallJournal(dir).left).toEqual([sipRecord(1)]);
  });

  it('rewrites itself with only the live legs, so it does not grow with every call', () => {
    const dir = stateDir();
    const journal = new FileCallJournal(dir);
    journal.up(sipRecord(0));
    for (let n = 1; n <= 500; n++) {
      journal.up(sipRecord(n));
      journal.ended(sipRecord(n).key);
    }
    const lines = readFileSync(join(dir, 'calls.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBeLessThan(200);
    expect(new FileCallJournal(dir).left).toEqual([sipRecord(0)]);
  });
});

class OrphanEndingSip extends InMemorySipAdapter {
  context: AdapterContext | undefined;
  readonly orphans: SipDialogRecord[] = [];
  override async start(context: AdapterContext) {
    this.context = context;
    await super.start(context);
  }
  async endOrphanedCall(record: SipDialogRecord) {
    this.orphans.push(record);
    if (record.callId === 'call-2') throw new Error('the phone is unreachable');
  }
}

class OrphanEndingPlatform extends InMemoryPlatform {
  readonly orphans: PlatformLegRecord[] = [];
  async endOrphanedCall(record: PlatformLegRecord) {
    this.orphans.push(record);
  }
}

describe('gateway with a stateDir', () => {
  it('hands the journal to the adapters and, at start, ends through them what an earlier process left', async () => {
    const dir = stateDir();
    const left: CallRecord[] = [sipRecord(1), sipRecord(2), platformRecord];
    writeFileSync(
      join(dir, 'calls.jsonl'),
      left.map((record) => `${JSON.stringify({ up: record })}\n`).join(''),
    );
    const ports = inMemoryPorts();
    const sip = new OrphanEndingSip(ports.journal);
    const platform = new OrphanEndingPlatform(ports.journal);
    const { logger, text } = capturingLogger();
    const gateway = await createGateway({
      logger,
      config: { http: { enabled: false }, stateDir: dir },
      sip,
      media: ports.media,
      platform,
    });
    await gateway.start();
    try {
      expect(sip.context?.journal).toBeInstanceOf(FileCallJournal);
      await waitFor(() => sip.orphans.length === 2 && platform.orphans.length === 1);
      expect(sip.orphans.map((record) => record.callId).sort()).toEqual(['call-1', 'call-2']);
      expect(platform.orphans).toEqual([platformRecord]);
      // One attempt each: the one that failed is logged and forgotten too.
      await waitFor(() => text().includes('could not end a call an earlier process left up'));
      expect(new FileCallJournal(dir).left).toEqual([]);
    } finally {
      await gateway.stop();
    }
  });

  it('keeps no journal without a stateDir', async () => {
    const ports = inMemoryPorts();
    const sip = new OrphanEndingSip(ports.journal);
    const gateway = await createGateway({
      logger: capturingLogger().logger,
      config: { http: { enabled: false } },
      sip,
      media: ports.media,
      platform: ports.platform,
    });
    await gateway.start();
    await gateway.stop();
    expect(sip.context?.journal).toBeUndefined();
  });
});
