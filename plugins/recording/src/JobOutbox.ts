// Jobs that could not reach Redis wait here, one JSON file each, until they can: Redis down means jobs wait,
// not vanish. Files are written whole (temporary name, then rename) so a crash never leaves half a job.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { recordingJobSchema, type RecordingJobData } from './RecordingJob.ts';
import { safeFileName } from './CallRecorder.ts';

export interface OutboxEntry {
  readonly file: string;
  readonly data: RecordingJobData;
}

export class JobOutbox {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  async put(data: RecordingJobData): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const file = join(this.dir, `${safeFileName(data.callId)}.json`);
    await writeFile(`${file}.tmp`, JSON.stringify(data));
    await rename(`${file}.tmp`, file);
    return file;
  }

  /** Waiting jobs, oldest call first. A file that is not a job is moved aside (`.invalid`) and reported. */
  async list(onInvalid: (file: string, reason: string) => void): Promise<OutboxEntry[]> {
    const names = await readdir(this.dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    const entries: OutboxEntry[] = [];
    for (const name of names.filter((entry) => entry.endsWith('.json'))) {
      const file = join(this.dir, name);
      try {
        entries.push({ file, data: recordingJobSchema.parse(JSON.parse(await readFile(file, 'utf8'))) });
      } catch (error) {
        onInvalid(file, error instanceof Error ? error.message : String(error));
        await rename(file, `${file}.invalid`).catch(() => undefined);
      }
    }
    return entries.sort((a, b) => a.data.startedAt.localeCompare(b.data.startedAt));
  }

  async remove(entry: OutboxEntry): Promise<void> {
    await rm(entry.file, { force: true });
  }
}
