// The sample data of a 16-bit stereo WAV, written one channel at a time at any position: a block at a time is
// kept in memory (frames come in time order, so each block is read and written about once per stream), and
// whatever is never written reads back as zeros, which is silence.
import type { FileHandle } from 'node:fs/promises';

const blockFrames = 16_000;
const frameBytes = 4; // two 16-bit channels

export class StereoPcmFile {
  readonly #file: FileHandle;
  readonly #dataOffset: number;
  readonly #block = Buffer.alloc(blockFrames * frameBytes);
  #blockIndex = -1;
  #dirty = false;
  #frames = 0;

  /** `dataOffset`: where the samples start in the file (after the WAV header). */
  constructor(file: FileHandle, dataOffset: number) {
    this.#file = file;
    this.#dataOffset = dataOffset;
  }

  /** Frames (sample pairs) from the start to the end of the last one written. */
  get frames(): number {
    return this.#frames;
  }

  async write(channel: 0 | 1, position: number, samples: Int16Array): Promise<void> {
    for (let index = 0; index < samples.length; index++) {
      const frame = position + index;
      const block = Math.floor(frame / blockFrames);
      if (block !== this.#blockIndex) await this.#load(block);
      this.#block.writeInt16LE(samples[index] as number, (frame % blockFrames) * frameBytes + channel * 2);
      this.#dirty = true;
    }
    this.#frames = Math.max(this.#frames, position + samples.length);
  }

  async flush(): Promise<void> {
    if (!this.#dirty) return;
    const offset = this.#dataOffset + this.#blockIndex * blockFrames * frameBytes;
    await this.#file.write(this.#block, 0, this.#block.length, offset);
    this.#dirty = false;
  }

  async #load(block: number): Promise<void> {
    await this.flush();
    this.#block.fill(0);
    const offset = this.#dataOffset + block * blockFrames * frameBytes;
    await this.#file.read(this.#block, 0, this.#block.length, offset);
    this.#blockIndex = block;
  }
}
