// SDES key exchange for the SIP leg (RFC 4568): which profile to offer, which `a=crypto` lines to write, and the
// SRTP context once both keys are known.

import { randomBytes } from 'node:crypto';
import type { SdesCrypto, SdpMedia } from '../sdp/SipSdp.ts';
import { MASTER_KEY_AND_SALT_LENGTH, SRTP_SUITES, SrtpContext, type SrtpSuite } from './SrtpContext.ts';

/** `off`: plain RTP only; `optional`: offer RTP/AVP, accept RTP/SAVP; `required`: RTP/SAVP only. */
export type SrtpMode = 'off' | 'optional' | 'required';

export type SdesContext = Pick<SrtpContext, 'protectRtp' | 'unprotectRtp' | 'protectRtcp' | 'unprotectRtcp'>;

function isSecure(proto: string): boolean {
  return proto === 'RTP/SAVP' || proto === 'RTP/SAVPF';
}

function parseInlineKey(keyParams: string): Buffer | undefined {
  // inline:<base64 key||salt>[|lifetime][|MKI:length]; a single key without MKI is all we support.
  const match = /^inline:([A-Za-z0-9+/=]+)(\|[^|]*)?$/.exec(keyParams);
  if (!match) return undefined;
  const key = Buffer.from(match[1] as string, 'base64');
  return key.length === MASTER_KEY_AND_SALT_LENGTH ? key : undefined;
}

export class SdesNegotiator {
  readonly #mode: SrtpMode;
  readonly #localKeys = new Map<SrtpSuite, Buffer>();
  #offeredTags = new Map<number, SrtpSuite>();

  constructor(mode: SrtpMode) {
    this.#mode = mode;
  }

  offerProto(): string {
    return this.#mode === 'required' ? 'RTP/SAVP' : 'RTP/AVP';
  }

  /** What we offer: every suite we support, each with its own key (none when SRTP is off). */
  localCrypto(): SdesCrypto[] {
    if (this.#mode !== 'required') return [];
    this.#offeredTags = new Map(SRTP_SUITES.map((suite, index) => [index + 1, suite]));
    return SRTP_SUITES.map((suite, index) => ({ tag: index + 1, suite, keyParams: this.#inline(suite) }));
  }

  /** Whether an offered media section's profile fits our mode. */
  accepts(media: SdpMedia): boolean {
    if (isSecure(media.proto)) return this.#mode !== 'off' && this.#chooseRemote(media) !== undefined;
    return this.#mode !== 'required';
  }

  answerCrypto(media: SdpMedia): SdesCrypto[] {
    if (!isSecure(media.proto)) return [];
    const chosen = this.#chooseRemote(media);
    return chosen ? [{ tag: chosen.tag, suite: chosen.suite, keyParams: this.#inline(chosen.suite) }] : [];
  }

  acceptOffer(media: SdpMedia): SdesContext | undefined {
    if (!isSecure(media.proto)) return undefined;
    const chosen = this.#chooseRemote(media);
    if (!chosen) return undefined;
    return new SrtpContext(chosen.suite, this.#key(chosen.suite), chosen.key);
  }

  acceptAnswer(media: SdpMedia): SdesContext | undefined {
    if (!isSecure(media.proto)) return undefined;
    for (const crypto of media.crypto) {
      const suite = this.#offeredTags.get(crypto.tag);
      const key = parseInlineKey(crypto.keyParams);
      if (suite && suite === crypto.suite && key) return new SrtpContext(suite, this.#key(suite), key);
    }
    return undefined;
  }

  #chooseRemote(media: SdpMedia): { tag: number; suite: SrtpSuite; key: Buffer } | undefined {
    for (const crypto of media.crypto) {
      const suite = SRTP_SUITES.find((candidate) => candidate === crypto.suite);
      const key = parseInlineKey(crypto.keyParams);
      if (suite && key) return { tag: crypto.tag, suite, key };
    }
    return undefined;
  }

  #key(suite: SrtpSuite): Buffer {
    let key = this.#localKeys.get(suite);
    if (!key) {
      key = randomBytes(MASTER_KEY_AND_SALT_LENGTH);
      this.#localKeys.set(suite, key);
    }
    return key;
  }

  #inline(suite: SrtpSuite): string {
    return `inline:${this.#key(suite).toString('base64')}`;
  }
}
