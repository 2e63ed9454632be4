// The default CallJournal: JSON lines in `<stateDir>/calls.jsonl`, one `{"up":record}` when a leg is answered
// and one `{"ended":key}` when it ends, appended synchronously so the order on disk is the order of events and
// a SIGKILL loses nothing the kernel was handed (no fsync: surviving a power cut is not the aim). The file is
// rewritten with only the live records when it is opened and whenever ended lines pile up.
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CallJournal, CallRecord } from '../ports/CallJournal.ts';

export class FileCallJournal implements CallJournal {
  readonly path: string;
  readonly left: readonly CallRecord[];
  readonly #live = new Map<string, CallRecord>();
  #lines = 0;
  #closed = false;

  /** Opens (creating the folder) and reads what an earlier process left; throws if the folder is unusable. */
  constructor(stateDir: string) {
    mkdirSync(stateDir, { recursive: true });
    this.path = join(stateDir, 'calls.jsonl');
    for (const record of readRecords(this.path)) this.#live.set(record.key, record);
    this.left = [...this.#live.values()];
    this.#compact();
  }

  up(record: CallRecord): void {
    if (this.#closed) return;
    this.#live.set(record.key, record);
    this.#append({ up: record });
  }

  ended(key: string): void {
    if (this.#closed || !this.#live.delete(key)) return;
    this.#append({ ended: key });
    if (this.#lines > 64 + 2 * this.#live.size) this.#compact();
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #append(entry: unknown): void {
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
    this.#lines++;
  }

  /** Write the live records to a new file and rename it over the old one, so a kill mid-way loses nothing. */
  #compact(): void {
    const temporary = `${this.path}.tmp`;
    writeFileSync(
      temporary,
      [...this.#live.values()].map((record) => `${JSON.stringify({ up: record })}\n`).join(''),
    );
    renameSync(temporary, this.path);
    this.#lines = this.#live.size;
  }
}

/** The live records of a journal file; a torn last line (the process died mid-write) is skipped. */
function readRecords(path: string): CallRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const live = new Map<string, CallRecord>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let entry: { up?: CallRecord; ended?: string };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (entry.up && typeof entry.up.key === 'string') live.set(entry.up.key, entry.up);
    else if (typeof entry.ended === 'string') live.delete(entry.ended);
  }
  return [...live.values()];
}
