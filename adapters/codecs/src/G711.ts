// G.711 μ-law and A-law (ITU-T G.711): table-free sample conversion, plus block helpers for 20 ms frames.

const MULAW_BIAS = 0x84;
const MULAW_CLIP = 32635;

export function linearToMulaw(sample: number): number {
  let s = sample;
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  if (s > MULAW_CLIP) s = MULAW_CLIP;
  s += MULAW_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function mulawToLinear(code: number): number {
  const u = ~code & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + MULAW_BIAS) << exponent) - MULAW_BIAS;
  return u & 0x80 ? -magnitude : magnitude;
}

export function linearToAlaw(sample: number): number {
  let s = sample;
  let mask: number;
  if (s >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    s = -s - 1;
  }
  if (s > 32767) s = 32767;
  let exponent = 7;
  for (let limit = 0x4000; (s & limit) === 0 && exponent > 0; limit >>= 1) exponent--;
  const mantissa = exponent === 0 ? (s >> 4) & 0x0f : (s >> (exponent + 3)) & 0x0f;
  return ((exponent << 4) | mantissa) ^ mask;
}

export function alawToLinear(code: number): number {
  const a = code ^ 0x55;
  const exponent = (a >> 4) & 0x07;
  let magnitude = (a & 0x0f) << 4;
  magnitude = exponent === 0 ? magnitude + 8 : (magnitude + 0x108) << (exponent - 1);
  return a & 0x80 ? magnitude : -magnitude;
}

// Decoding goes through 256-entry tables built once: the per-packet hot path is a lookup.
const MULAW_TABLE = Int16Array.from({ length: 256 }, (_, code) => mulawToLinear(code));
const ALAW_TABLE = Int16Array.from({ length: 256 }, (_, code) => alawToLinear(code));

export function decodeG711(
  law: 'PCMU' | 'PCMA',
  payload: Uint8Array,
  out: Int16Array = new Int16Array(payload.length),
): Int16Array {
  const table = law === 'PCMU' ? MULAW_TABLE : ALAW_TABLE;
  for (let i = 0; i < payload.length; i++) out[i] = table[payload[i] as number] as number;
  return out;
}

export function encodeG711(
  law: 'PCMU' | 'PCMA',
  pcm: Int16Array,
  out: Uint8Array = new Uint8Array(pcm.length),
): Uint8Array {
  const encode = law === 'PCMU' ? linearToMulaw : linearToAlaw;
  for (let i = 0; i < pcm.length; i++) out[i] = encode(pcm[i] as number);
  return out;
}
