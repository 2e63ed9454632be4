// G.722 at 64 kbit/s (ITU-T G.722: QMF split, ADPCM low and high bands). No npm package exists, so this follows the
// ITU reference structure (as in the public-domain SpanDSP code used by Asterisk and libwebrtc); tested against ffmpeg.

const QMF_COEFFS = [3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11] as const;
const Q6 = [
  0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940, 1023, 1121, 1219,
  1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 0, 0,
] as const;
const ILN = [
  0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7,
  6, 5, 4, 0,
] as const;
const ILP = [
  0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36,
  35, 34, 33, 32, 0,
] as const;
const WL = [-60, -30, 58, 172, 334, 538, 1198, 3042] as const;
const RL42 = [0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0] as const;
const ILB = [
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834, 2896, 2960,
  3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
] as const;
const QM4 = [
  0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584, 1200, 0,
] as const;
const QM2 = [-7408, -1616, 7408, 1616] as const;
const QM6 = [
  -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232, -9360,
  -8576, -7856, -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776, -2400, -2032, -1688,
  -1360, -1040, -728, 24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192, 10232, 9360, 8576, 7856, 7192,
  6576, 6000, 5456, 4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432,
  -136,
] as const;
const IHN = [0, 1, 0] as const;
const IHP = [0, 3, 2] as const;
const WH = [0, -214, 798] as const;
const RH2 = [2, 1, 2, 1] as const;

function saturate(amp: number): number {
  return amp > 32767 ? 32767 : Math.max(amp, -32768);
}

/** The ADPCM state of one sub-band (predictor, scale factor, history). */
class Band {
  s = 0;
  sp = 0;
  sz = 0;
  r = new Int32Array(3);
  a = new Int32Array(3);
  ap = new Int32Array(3);
  p = new Int32Array(3);
  d = new Int32Array(7);
  b = new Int32Array(7);
  bp = new Int32Array(7);
  sg = new Int32Array(7);
  nb = 0;
  det: number;

  constructor(det: number) {
    this.det = det;
  }

  /** Block 4 of the recommendation: reconstruct, adapt the pole and zero predictors, predict the next sample. */
  update(d: number): void {
    const { r, a, ap, p, b, bp, sg } = this;
    const dh = this.d;
    dh[0] = d;
    r[0] = saturate(this.s + d);
    p[0] = saturate(this.sz + d);

    for (let i = 0; i < 3; i++) sg[i] = (p[i] as number) >> 15;
    let wd1 = saturate((a[1] as number) << 2);
    let wd2 = sg[0] === sg[1] ? -wd1 : wd1;
    if (wd2 > 32767) wd2 = 32767;
    let wd3 = (wd2 >> 7) + (sg[0] === sg[2] ? 128 : -128);
    wd3 += ((a[2] as number) * 32512) >> 15;
    ap[2] = wd3 > 12288 ? 12288 : Math.max(wd3, -12288);

    sg[0] = (p[0] as number) >> 15;
    sg[1] = (p[1] as number) >> 15;
    wd1 = sg[0] === sg[1] ? 192 : -192;
    wd2 = ((a[1] as number) * 32640) >> 15;
    ap[1] = saturate(wd1 + wd2);
    wd3 = saturate(15360 - (ap[2] as number));
    if ((ap[1] as number) > wd3) ap[1] = wd3;
    else if ((ap[1] as number) < -wd3) ap[1] = -wd3;

    wd1 = d === 0 ? 0 : 128;
    sg[0] = d >> 15;
    for (let i = 1; i < 7; i++) {
      sg[i] = (dh[i] as number) >> 15;
      wd2 = sg[i] === sg[0] ? wd1 : -wd1;
      wd3 = ((b[i] as number) * 32640) >> 15;
      bp[i] = saturate(wd2 + wd3);
    }

    for (let i = 6; i > 0; i--) {
      dh[i] = dh[i - 1] as number;
      b[i] = bp[i] as number;
    }
    for (let i = 2; i > 0; i--) {
      r[i] = r[i - 1] as number;
      p[i] = p[i - 1] as number;
      a[i] = ap[i] as number;
    }

    wd1 = saturate((r[1] as number) * 2);
    wd1 = ((a[1] as number) * wd1) >> 15;
    wd2 = saturate((r[2] as number) * 2);
    wd2 = ((a[2] as number) * wd2) >> 15;
    this.sp = saturate(wd1 + wd2);

    let sz = 0;
    for (let i = 6; i > 0; i--) {
      wd1 = saturate((dh[i] as number) * 2);
      sz += ((b[i] as number) * wd1) >> 15;
    }
    this.sz = saturate(sz);
    this.s = saturate(this.sp + this.sz);
  }

  /** Blocks 3L/3H: adapt the log scale factor and derive the linear one. */
  scale(weight: number, limit: number, shift: number): void {
    let nb = ((this.nb * 127) >> 7) + weight;
    nb = nb < 0 ? 0 : Math.min(nb, limit);
    this.nb = nb;
    const wd1 = (nb >> 6) & 31;
    const wd2 = shift - (nb >> 11);
    const wd3 = wd2 < 0 ? (ILB[wd1] as number) << -wd2 : (ILB[wd1] as number) >> wd2;
    this.det = wd3 << 2;
  }
}

/** Encodes 16 kHz linear PCM to G.722: one byte per two samples. Stateful: one instance per stream. */
export class G722Encoder {
  #low = new Band(32);
  #high = new Band(8);
  #x = new Int32Array(24);

  encode(pcm: Int16Array, out: Uint8Array = new Uint8Array(pcm.length >> 1)): Uint8Array {
    const x = this.#x;
    const low = this.#low;
    const high = this.#high;
    let n = 0;
    for (let j = 0; j + 1 < pcm.length; j += 2) {
      x.copyWithin(0, 2);
      x[22] = pcm[j] as number;
      x[23] = pcm[j + 1] as number;
      let sumOdd = 0;
      let sumEven = 0;
      for (let i = 0; i < 12; i++) {
        sumOdd += (x[2 * i] as number) * (QMF_COEFFS[i] as number);
        sumEven += (x[2 * i + 1] as number) * (QMF_COEFFS[11 - i] as number);
      }
      const xLow = (sumEven + sumOdd) >> 14;
      const xHigh = (sumEven - sumOdd) >> 14;

      const el = saturate(xLow - low.s);
      const wdl = el >= 0 ? el : -(el + 1);
      let i = 1;
      for (; i < 30; i++) {
        if (wdl < ((Q6[i] as number) * low.det) >> 12) break;
      }
      const iLow = el < 0 ? (ILN[i] as number) : (ILP[i] as number);
      const ril = iLow >> 2;
      const dLow = (low.det * (QM4[ril] as number)) >> 15;
      low.scale(WL[RL42[ril] as number] as number, 18432, 8);
      low.update(dLow);

      const eh = saturate(xHigh - high.s);
      const wdh = eh >= 0 ? eh : -(eh + 1);
      const mih = wdh >= (564 * high.det) >> 12 ? 2 : 1;
      const iHigh = eh < 0 ? (IHN[mih] as number) : (IHP[mih] as number);
      const dHigh = (high.det * (QM2[iHigh] as number)) >> 15;
      high.scale(WH[RH2[iHigh] as number] as number, 22528, 10);
      high.update(dHigh);

      out[n++] = (iHigh << 6) | iLow;
    }
    return out.subarray(0, n);
  }
}

/** Decodes G.722 to 16 kHz linear PCM: two samples per byte. Stateful: one instance per stream. */
export class G722Decoder {
  #low = new Band(32);
  #high = new Band(8);
  #x = new Int32Array(24);

  decode(data: Uint8Array, out: Int16Array = new Int16Array(data.length * 2)): Int16Array {
    const x = this.#x;
    const low = this.#low;
    const high = this.#high;
    let n = 0;
    for (let j = 0; j < data.length; j++) {
      const code = data[j] as number;
      const wdLow = code & 0x3f;
      const iHigh = (code >> 6) & 0x03;
      let rLow = low.s + ((low.det * (QM6[wdLow] as number)) >> 15);
      rLow = rLow > 16383 ? 16383 : Math.max(rLow, -16384);
      const ril = wdLow >> 2;
      const dLow = (low.det * (QM4[ril] as number)) >> 15;
      low.scale(WL[RL42[ril] as number] as number, 18432, 8);
      low.update(dLow);

      const dHigh = (high.det * (QM2[iHigh] as number)) >> 15;
      let rHigh = dHigh + high.s;
      rHigh = rHigh > 16383 ? 16383 : Math.max(rHigh, -16384);
      high.scale(WH[RH2[iHigh] as number] as number, 22528, 10);
      high.update(dHigh);

      x.copyWithin(0, 2);
      x[22] = rLow + rHigh;
      x[23] = rLow - rHigh;
      let out1 = 0;
      let out2 = 0;
      for (let i = 0; i < 12; i++) {
        out2 += (x[2 * i] as number) * (QMF_COEFFS[i] as number);
        out1 += (x[2 * i + 1] as number) * (QMF_COEFFS[11 - i] as number);
      }
      out[n++] = saturate(out1 >> 11);
      out[n++] = saturate(out2 >> 11);
    }
    return out.subarray(0, n);
  }
}
