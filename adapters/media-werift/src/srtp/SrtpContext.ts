// SRTP and SRTCP with AES_CM_128_HMAC_SHA1_80/_32 (RFC 3711, RFC 4568): key derivation, protect, unprotect with
// ROC estimation and a replay window. One reusable AES-ECB cipher makes the CTR keystream and HMAC keys are
// KeyObjects: werift's SrtpSession re-imports raw keys on every packet, which costs ≈5× more (see BENCHMARKS.md).

import {
  type Cipheriv,
  createCipheriv,
  createHmac,
  createSecretKey,
  type KeyObject,
  timingSafeEqual,
} from 'node:crypto';
import { ReplayWindow } from './ReplayWindow.ts';

export type SrtpSuite = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';

export const SRTP_SUITES: readonly SrtpSuite[] = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'];

/** 16-byte master key followed by 14-byte master salt, as carried in `a=crypto` inline keys. */
export const MASTER_KEY_AND_SALT_LENGTH = 30;

class KeyStream {
  readonly #cipher: Cipheriv;
  readonly #salt: Buffer;
  #counter = Buffer.alloc(16 * 64);

  constructor(key: Buffer, salt: Buffer) {
    this.#cipher = createCipheriv('aes-128-ecb', key, null);
    this.#cipher.setAutoPadding(false);
    this.#salt = salt;
  }

  /**
   * XORs `data` in place with the AES-CM keystream for IV = salt ⊕ (ssrc·2^64) ⊕ (index·2^16); the 48-bit index
   * is given as its high 16 and low 32 bits.
   */
  apply(data: Buffer, ssrc: number, indexHigh: number, indexLow: number): void {
    const blocks = Math.ceil(data.length / 16);
    if (blocks * 16 > this.#counter.length) this.#counter = Buffer.alloc(blocks * 16);
    const counter = this.#counter;
    const salt = this.#salt;
    for (let b = 0; b < blocks; b++) {
      const o = b * 16;
      salt.copy(counter, o, 0, 14);
      counter[o + 14] = 0;
      counter[o + 15] = 0;
      counter.writeUInt32BE((counter.readUInt32BE(o + 4) ^ ssrc) >>> 0, o + 4);
      counter.writeUInt16BE(counter.readUInt16BE(o + 8) ^ indexHigh, o + 8);
      counter.writeUInt32BE((counter.readUInt32BE(o + 10) ^ indexLow) >>> 0, o + 10);
      counter.writeUInt16BE(b, o + 14);
    }
    const stream = this.#cipher.update(counter.subarray(0, blocks * 16));
    for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) ^ (stream[i] as number);
  }
}

/** RFC 3711 §4.3.1 key derivation with key_derivation_rate 0: AES-CM of (salt ⊕ label·2^48)·2^16 under the master key. */
export function deriveSessionKey(
  masterKey: Buffer,
  masterSalt: Buffer,
  label: number,
  length: number,
): Buffer {
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv, 0, 0, 14);
  iv[7] = (iv[7] as number) ^ label;
  const cipher = createCipheriv('aes-128-ecb', masterKey, null);
  cipher.setAutoPadding(false);
  const blocks = Buffer.alloc(Math.ceil(length / 16) * 16);
  for (let b = 0; b < blocks.length / 16; b++) {
    iv.copy(blocks, b * 16);
    blocks.writeUInt16BE(b, b * 16 + 14);
  }
  return cipher.update(blocks).subarray(0, length);
}

class Direction {
  readonly rtp: KeyStream;
  readonly rtpAuth: KeyObject;
  readonly rtcp: KeyStream;
  readonly rtcpAuth: KeyObject;

  constructor(keyAndSalt: Buffer) {
    const key = keyAndSalt.subarray(0, 16);
    const salt = keyAndSalt.subarray(16, 30);
    this.rtp = new KeyStream(deriveSessionKey(key, salt, 0, 16), deriveSessionKey(key, salt, 2, 14));
    this.rtpAuth = createSecretKey(deriveSessionKey(key, salt, 1, 20));
    this.rtcp = new KeyStream(deriveSessionKey(key, salt, 3, 16), deriveSessionKey(key, salt, 5, 14));
    this.rtcpAuth = createSecretKey(deriveSessionKey(key, salt, 4, 20));
  }
}

function rtpHeaderLength(packet: Buffer): number {
  const first = packet[0] as number;
  let length = 12 + (first & 0x0f) * 4;
  if (first & 0x10) length += 4 + packet.readUInt16BE(length + 2) * 4;
  return length;
}

interface SsrcState {
  roc: number;
  highestSequence: number;
  replay: ReplayWindow;
}

export class SrtpContext {
  readonly suite: SrtpSuite;
  readonly #tagLength: number;
  readonly #local: Direction;
  readonly #remote: Direction;
  readonly #sendState = new Map<number, { roc: number; lastSequence: number }>();
  readonly #receiveState = new Map<number, SsrcState>();
  readonly #rtcpReplay = new Map<number, ReplayWindow>();
  #rtcpIndex = 0;

  constructor(suite: SrtpSuite, localKeyAndSalt: Buffer, remoteKeyAndSalt: Buffer) {
    this.suite = suite;
    this.#tagLength = suite === 'AES_CM_128_HMAC_SHA1_80' ? 10 : 4;
    this.#local = new Direction(localKeyAndSalt);
    this.#remote = new Direction(remoteKeyAndSalt);
  }

  protectRtp(packet: Buffer): Buffer {
    const ssrc = packet.readUInt32BE(8);
    const sequence = packet.readUInt16BE(2);
    let state = this.#sendState.get(ssrc);
    if (!state) {
      state = { roc: 0, lastSequence: sequence };
      this.#sendState.set(ssrc, state);
    } else if (sequence < state.lastSequence && state.lastSequence - sequence > 0x8000) {
      state.roc = (state.roc + 1) >>> 0;
    }
    state.lastSequence = sequence;
    const headerLength = rtpHeaderLength(packet);
    const out = Buffer.allocUnsafe(packet.length + this.#tagLength);
    packet.copy(out);
    this.#local.rtp.apply(
      out.subarray(headerLength, packet.length),
      ssrc,
      state.roc >>> 16,
      (((state.roc & 0xffff) << 16) | sequence) >>> 0,
    );
    this.#tag(this.#local.rtpAuth, out.subarray(0, packet.length), state.roc).copy(
      out,
      packet.length,
      0,
      this.#tagLength,
    );
    return out;
  }

  /** The plain RTP packet, or undefined when authentication fails or it is a replay. */
  unprotectRtp(packet: Buffer): Buffer | undefined {
    if (packet.length < 12 + this.#tagLength) return undefined;
    const ssrc = packet.readUInt32BE(8);
    const sequence = packet.readUInt16BE(2);
    let state = this.#receiveState.get(ssrc);
    const roc = state ? this.#estimateRoc(state, sequence) : 0;
    const index = roc * 0x10000 + sequence;
    if (state && !state.replay.check(index)) return undefined;
    const authenticated = packet.subarray(0, packet.length - this.#tagLength);
    const tag = this.#tag(this.#remote.rtpAuth, authenticated, roc);
    if (!timingSafeEqual(tag.subarray(0, this.#tagLength), packet.subarray(packet.length - this.#tagLength)))
      return undefined;
    if (!state) {
      state = { roc: 0, highestSequence: sequence, replay: new ReplayWindow() };
      this.#receiveState.set(ssrc, state);
    }
    state.replay.commit(index);
    if (roc > state.roc || (roc === state.roc && sequence > state.highestSequence)) {
      state.roc = roc;
      state.highestSequence = sequence;
    }
    const plain = Buffer.from(authenticated);
    const headerLength = rtpHeaderLength(plain);
    this.#remote.rtp.apply(
      plain.subarray(headerLength),
      ssrc,
      roc >>> 16,
      (((roc & 0xffff) << 16) | sequence) >>> 0,
    );
    return plain;
  }

  protectRtcp(packet: Buffer): Buffer {
    const ssrc = packet.readUInt32BE(4);
    this.#rtcpIndex = (this.#rtcpIndex + 1) & 0x7fffffff;
    const index = this.#rtcpIndex;
    const out = Buffer.allocUnsafe(packet.length + 4 + 10);
    packet.copy(out);
    this.#local.rtcp.apply(out.subarray(8, packet.length), ssrc, 0, index);
    out.writeUInt32BE((0x80000000 | index) >>> 0, packet.length);
    this.#tag(this.#local.rtcpAuth, out.subarray(0, packet.length + 4), undefined).copy(
      out,
      packet.length + 4,
      0,
      10,
    );
    return out;
  }

  unprotectRtcp(packet: Buffer): Buffer | undefined {
    if (packet.length < 8 + 4 + 10) return undefined;
    const end = packet.length - 14;
    const authenticated = packet.subarray(0, end + 4);
    const tag = this.#tag(this.#remote.rtcpAuth, authenticated, undefined);
    if (!timingSafeEqual(tag.subarray(0, 10), packet.subarray(end + 4))) return undefined;
    const ssrc = packet.readUInt32BE(4);
    const word = packet.readUInt32BE(end);
    const index = word & 0x7fffffff;
    let replay = this.#rtcpReplay.get(ssrc);
    if (!replay) {
      replay = new ReplayWindow();
      this.#rtcpReplay.set(ssrc, replay);
    }
    if (!replay.check(index)) return undefined;
    replay.commit(index);
    const plain = Buffer.from(packet.subarray(0, end));
    if (word & 0x80000000) this.#remote.rtcp.apply(plain.subarray(8), ssrc, 0, index);
    return plain;
  }

  /** RFC 3711 §3.3.1: the ROC guess v that puts the index closest to the highest seen. */
  #estimateRoc(state: SsrcState, sequence: number): number {
    const { roc, highestSequence } = state;
    if (highestSequence < 0x8000) return sequence - highestSequence > 0x8000 && roc > 0 ? roc - 1 : roc;
    return highestSequence - 0x8000 > sequence ? (roc + 1) >>> 0 : roc;
  }

  #tag(key: KeyObject, data: Buffer, roc: number | undefined): Buffer {
    const hmac = createHmac('sha1', key).update(data);
    if (roc !== undefined) {
      const rocBytes = Buffer.allocUnsafe(4);
      rocBytes.writeUInt32BE(roc >>> 0, 0);
      hmac.update(rocBytes);
    }
    return hmac.digest();
  }
}
