// What one recording job carries from the gateway to the worker: the call, and where each leg's spool is.
import { z } from 'zod';

const legSchema = z.object({
  /** Absolute path of the leg's spool file (the worker must see the same file system). */
  spool: z.string().min(1),
  /** `codec/clockRate` pairs seen on the leg (`PCMU/8000`, `opus/48000`). */
  codecs: z.array(z.string()),
  packets: z.number().int().min(0),
  /** Packets the gateway could not spool (the tap or the disk fell behind). */
  dropped: z.number().int().min(0),
});

export const recordingJobSchema = z.object({
  callId: z.string().min(1),
  direction: z.enum(['sip-to-platform', 'platform-to-sip']),
  from: z.string(),
  to: z.string(),
  /** When the call was answered and recording began (ISO 8601). */
  startedAt: z.string(),
  durationMs: z.number().min(0),
  /** Left channel: what the SIP side sent. Right channel: what the app side sent. */
  legs: z.object({ sip: legSchema, webrtc: legSchema }),
});

export type RecordingJobData = z.infer<typeof recordingJobSchema>;
export type RecordedLeg = RecordingJobData['legs']['sip'];

/** What a finished job returns (`job.returnvalue`). */
export interface RecordingResult {
  readonly callId: string;
  /** The stereo WAV file: left the SIP side, right the app side. */
  readonly path: string;
  readonly sampleRate: number;
  readonly durationMs: number;
}

export const recordingJobName = 'recording';

/** BullMQ job ids may not contain `:`; the call id is the job id so that a job enqueued twice runs once. */
export function recordingJobId(callId: string): string {
  return `call-${callId.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}
