// SRTP protect/unprotect cost per 172-byte packet (160-byte payload): werift's stock SrtpSession, the same with keys
// cached as KeyObjects (what the relay does to werift's DTLS-SRTP), and our SrtpContext (the SIP leg's SDES-SRTP).
// Run: node --conditions=@cubebridge/source adapters/media-werift/test/bench/srtp-micro.ts

import {
  ProtectionProfileAes128CmHmacSha1_80,
  ProtectionProfileAeadAes128Gcm,
  RtpHeader,
  SrtpSession,
} from 'werift';
import { SrtpContext } from '../../src/srtp/SrtpContext.ts';
import { cacheSrtpKeys } from '../../src/werift/cacheSrtpKeys.ts';

const PACKETS = 20_000;
const key = Buffer.alloc(16, 1);
const salt = Buffer.alloc(14, 2);
const keys = { localMasterKey: key, localMasterSalt: salt, remoteMasterKey: key, remoteMasterSalt: salt };
const payload = Buffer.alloc(160, 7);
const headers = Array.from(
  { length: PACKETS },
  (_, i) => new RtpHeader({ payloadType: 0, sequenceNumber: i & 0xffff, timestamp: i * 160, ssrc: 42 }),
);

const WARMUP = 2000;

/** Each packet index is used once (SRTP state moves forward); the first WARMUP are not timed. */
function time(label: string, run: (i: number) => void): void {
  for (let i = 0; i < WARMUP; i++) run(i);
  const started = process.cpuUsage();
  for (let i = WARMUP; i < PACKETS; i++) run(i);
  const used = process.cpuUsage(started);
  console.log(`| ${label} | ${((used.user + used.system) / (PACKETS - WARMUP)).toFixed(1)} |`);
}

console.log('| operation | µs per packet (CPU) |');
console.log('|---|---|');
for (const [name, profile] of [
  ['AES_CM_128_HMAC_SHA1_80', ProtectionProfileAes128CmHmacSha1_80],
  ['AEAD_AES_128_GCM', ProtectionProfileAeadAes128Gcm],
] as const) {
  const stock = new SrtpSession({ profile, keys });
  time(`werift stock ${name} protect`, (i) => stock.encrypt(payload, headers[i] as RtpHeader));
  const producer = new SrtpSession({ profile, keys });
  const protectedPackets = headers.map((header) => producer.encrypt(payload, header));
  const stockReceiver = new SrtpSession({ profile, keys });
  time(`werift stock ${name} unprotect`, (i) => stockReceiver.decrypt(protectedPackets[i] as Buffer));
  const cached = new SrtpSession({ profile, keys });
  cacheSrtpKeys({ srtp: cached });
  time(`werift + cached KeyObjects ${name} protect`, (i) => cached.encrypt(payload, headers[i] as RtpHeader));
  const cachedReceiver = new SrtpSession({ profile, keys });
  cacheSrtpKeys({ srtp: cachedReceiver });
  time(`werift + cached KeyObjects ${name} unprotect`, (i) =>
    cachedReceiver.decrypt(protectedPackets[i] as Buffer),
  );
}
const keyAndSalt = Buffer.concat([key, salt]);
const ours = new SrtpContext('AES_CM_128_HMAC_SHA1_80', keyAndSalt, keyAndSalt);
const plain = headers.map((header) => Buffer.concat([header.serialize(12), payload]));
time('SrtpContext AES_CM_128_HMAC_SHA1_80 protect', (i) => ours.protectRtp(plain[i] as Buffer));
const wire = plain.map((packet) =>
  new SrtpContext('AES_CM_128_HMAC_SHA1_80', keyAndSalt, keyAndSalt).protectRtp(packet),
);
const receiver = new SrtpContext('AES_CM_128_HMAC_SHA1_80', keyAndSalt, keyAndSalt);
time('SrtpContext AES_CM_128_HMAC_SHA1_80 unprotect (+ replay check)', (i) =>
  receiver.unprotectRtp(wire[i] as Buffer),
);
