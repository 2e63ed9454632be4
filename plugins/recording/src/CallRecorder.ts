// One answered call being recorded: a tap on each leg's audio, spooled to its own file, until the call ends.
import { join } from 'node:path';
import type { CallView, MediaLegName, MediaTap } from '@cubebridge/core';
import type { RecordingJobData } from './RecordingJob.ts';
import { SpoolWriter } from './spool/SpoolWriter.ts';

const legs: readonly MediaLegName[] = ['sip', 'webrtc'];

export class CallRecorder {
  readonly callId: string;
  readonly #call: Pick<CallView, 'direction' | 'from' | 'to'>;
  readonly #startedAt = Date.now();
  readonly #taps = new Map<MediaLegName, MediaTap>();
  readonly #subscriptions: Array<{ unsubscribe(): void }> = [];
  readonly #writers: Record<MediaLegName, SpoolWriter>;
  #finishing: Promise<RecordingJobData> | undefined;

  /** Starts spooling right away; the call must have its media session. */
  constructor(call: CallView, spoolDir: string) {
    const media = call.media;
    if (!media) throw new Error(`call ${call.id} has no media session to record`);
    this.callId = call.id;
    this.#call = call;
    const origin = performance.now();
    const base = join(spoolDir, safeFileName(call.id));
    this.#writers = {
      sip: new SpoolWriter(`${base}.sip.spool`, origin),
      webrtc: new SpoolWriter(`${base}.webrtc.spool`, origin),
    };
    for (const leg of legs) {
      const tap = media.tap(leg, { kind: 'audio' });
      const writer = this.#writers[leg];
      this.#taps.set(leg, tap);
      this.#subscriptions.push(tap.packets$.subscribe((packet) => writer.write(packet)));
    }
  }

  /** Stops the taps, closes both spools and describes the job. Idempotent. */
  finish(durationMs: number = Date.now() - this.#startedAt): Promise<RecordingJobData> {
    this.#finishing ??= (async () => {
      for (const subscription of this.#subscriptions) subscription.unsubscribe();
      await Promise.all([...this.#taps.values()].map((tap) => tap.close()));
      await Promise.all(legs.map((leg) => this.#writers[leg].close()));
      const describe = (leg: MediaLegName) => {
        const writer = this.#writers[leg];
        return {
          spool: writer.path,
          codecs: [...writer.codecs],
          packets: writer.packets,
          // Behind on the tap (the gateway was busy) or on the disk.
          dropped: writer.dropped + (this.#taps.get(leg)?.dropped ?? 0),
        };
      };
      return {
        callId: this.callId,
        direction: this.#call.direction,
        from: this.#call.from.uri,
        to: this.#call.to.uri,
        startedAt: new Date(this.#startedAt).toISOString(),
        durationMs,
        legs: { sip: describe('sip'), webrtc: describe('webrtc') },
      };
    })();
    return this.#finishing;
  }

  /** A spool that failed to write (disk full, permissions), for the log. */
  get writeError(): Error | undefined {
    return this.#writers.sip.error ?? this.#writers.webrtc.error;
  }
}

export function safeFileName(callId: string): string {
  return callId.replace(/[^A-Za-z0-9_.-]/g, '_');
}
