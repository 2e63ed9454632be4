// werift's negotiated codec list of a transceiver, read in our catalog's terms: werift names codecs by MIME type
// (`audio/opus`), our catalog by encoding name (`opus`).

import type { RTCRtpCodecParameters } from 'werift';
import { TELEPHONE_EVENT } from '@cubebridge/codecs';

/** The first codec the catalog lookup knows (werift puts the negotiated one first, then RTX or telephone-event). */
export function primaryCodec<Name extends string>(
  codecs: readonly RTCRtpCodecParameters[],
  catalogName: (encodingName: string) => Name | undefined,
): { readonly codec: RTCRtpCodecParameters; readonly name: Name } | undefined {
  for (const codec of codecs) {
    const name = catalogName(codec.mimeType.split('/')[1] ?? '');
    if (name) return { codec, name };
  }
  return undefined;
}

export function isTelephoneEvent(codec: RTCRtpCodecParameters): boolean {
  return codec.mimeType.toLowerCase() === `audio/${TELEPHONE_EVENT}`;
}
