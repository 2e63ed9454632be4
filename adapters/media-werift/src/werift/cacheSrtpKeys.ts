// werift's SRTP ciphers (AES-CM and AES-GCM) hand their raw session keys to createCipheriv/createHmac on every
// packet, and Node re-imports a raw key each time: ≈40 % of the relay's CPU (see BENCHMARKS.md). The same calls
// accept KeyObjects, imported once; this swaps the four key fields of each cipher in place.

import { createSecretKey, type KeyObject } from 'node:crypto';

const KEY_FIELDS = [
  'srtpSessionKey',
  'srtcpSessionKey',
  'srtpSessionAuthTag',
  'srtcpSessionAuthTag',
] as const;

type CipherKeys = Partial<Record<(typeof KEY_FIELDS)[number], Buffer | KeyObject>>;

interface SessionLike {
  localContext?: { cipher?: CipherKeys };
  remoteContext?: { cipher?: CipherKeys };
}

/** Replaces raw keys by KeyObjects in a werift DTLS transport's SRTP and SRTCP sessions; true when there were some. */
export function cacheSrtpKeys(dtlsTransport: unknown): boolean {
  const transport = dtlsTransport as { srtp?: SessionLike; srtcp?: SessionLike };
  let cached = false;
  for (const session of [transport.srtp, transport.srtcp]) {
    for (const context of [session?.localContext, session?.remoteContext]) {
      const cipher = context?.cipher;
      if (!cipher) continue;
      for (const field of KEY_FIELDS) {
        const key = cipher[field];
        if (Buffer.isBuffer(key)) {
          cipher[field] = createSecretKey(key);
          cached = true;
        }
      }
    }
  }
  return cached;
}
