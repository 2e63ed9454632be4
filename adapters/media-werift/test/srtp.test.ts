// SRTP/SRTCP against reference vectors (RFC 3711 Appendix B.3, libsrtp's srtp_validate) and against werift's
// SrtpSession, plus replay protection and the rollover counter across the sequence wrap.

import { describe, expect, it } from 'vitest';
import { ProtectionProfileAes128CmHmacSha1_80, RtpHeader, SrtcpSession, SrtpSession } from 'werift';
import { deriveSessionKey, SrtpContext } from '../src/srtp/SrtpContext.ts';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s/g, ''), 'hex');

describe('SrtpContext', () => {
  it('derives session keys as RFC 3711 Appendix B.3 says', () => {
    const masterKey = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
    const masterSalt = hex('0EC675AD498AFEEBB6960B3AABE6');
    expect(deriveSessionKey(masterKey, masterSalt, 0, 16).toString('hex')).toBe(
      'c61e7a93744f39ee10734afe3ff7a087',
    );
    expect(deriveSessionKey(masterKey, masterSalt, 2, 14).toString('hex')).toBe(
      '30cbbc08863d8c85d49db34a9ae1',
    );
    expect(deriveSessionKey(masterKey, masterSalt, 1, 20).toString('hex')).toBe(
      'cebe321f6ff7716b6fd4ab49af256a156d38baa4',
    );
  });

  it("protects libsrtp's srtp_validate() packet bit-exactly and unprotects it", () => {
    const keyAndSalt = hex('e1f97a0d3e018be0d64fa32c06de4139 0ec675ad498afeebb6960b3aabe6');
    const plain = hex('800f1234decafbadcafebabe abababababababababababababababab');
    const cipher = hex('800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc99ea179b8dbb');
    const context = new SrtpContext('AES_CM_128_HMAC_SHA1_80', keyAndSalt, keyAndSalt);
    expect(context.protectRtp(plain).toString('hex')).toBe(cipher.toString('hex'));
    expect(context.unprotectRtp(cipher)?.toString('hex')).toBe(plain.toString('hex'));
  });

  it("matches werift's SrtpSession and SrtcpSession on many packets, across the sequence wrap", () => {
    const local = Buffer.alloc(30, 7);
    const remote = Buffer.alloc(30, 9);
    const ours = new SrtpContext('AES_CM_128_HMAC_SHA1_80', local, remote);
    const keys = {
      localMasterKey: local.subarray(0, 16),
      localMasterSalt: local.subarray(16),
      remoteMasterKey: remote.subarray(0, 16),
      remoteMasterSalt: remote.subarray(16),
    };
    const werift = new SrtpSession({ profile: ProtectionProfileAes128CmHmacSha1_80, keys });
    // The far side's view of the same keys: its local ones are our remote ones.
    const peerKeys = {
      localMasterKey: keys.remoteMasterKey,
      localMasterSalt: keys.remoteMasterSalt,
      remoteMasterKey: keys.localMasterKey,
      remoteMasterSalt: keys.localMasterSalt,
    };
    const weriftPeer = new SrtpSession({
      profile: ProtectionProfileAes128CmHmacSha1_80,
      keys: peerKeys,
    });
    for (let i = 0; i < 200; i++) {
      const sequence = (65400 + i) & 0xffff;
      const payload = Buffer.alloc(160 + (i % 7), i);
      const header = new RtpHeader({
        payloadType: 0,
        sequenceNumber: sequence,
        timestamp: i * 160,
        ssrc: 0x1234,
      });
      const plain = Buffer.concat([header.serialize(header.serializeSize), payload]);
      const protectedPacket = ours.protectRtp(plain);
      expect(protectedPacket.equals(werift.encrypt(payload, header))).toBe(true);
      // And what the far side (werift) protects, we unprotect.
      const incoming = weriftPeer.encrypt(
        payload,
        new RtpHeader({ payloadType: 0, sequenceNumber: sequence, timestamp: i * 160, ssrc: 0x5678 }),
      );
      expect(ours.unprotectRtp(incoming)?.subarray(12).equals(payload)).toBe(true);
    }
    // An RR with one report block: 24 bytes to encrypt after the first 8.
    const rtcp = hex('81c90007 00001234 00005678 00000000 00000000 00000000 00000000 00000000');
    const weriftRtcpPeer = new SrtcpSession({
      profile: ProtectionProfileAes128CmHmacSha1_80,
      keys: peerKeys,
    });
    expect(weriftRtcpPeer.decrypt(ours.protectRtcp(rtcp)).equals(rtcp)).toBe(true);
    expect(ours.unprotectRtcp(weriftRtcpPeer.encrypt(rtcp))?.equals(rtcp)).toBe(true);
  });

  it('rejects replays, tampered packets and packets older than the window; accepts late packets inside it', () => {
    const key = Buffer.alloc(30, 3);
    const sender = new SrtpContext('AES_CM_128_HMAC_SHA1_32', key, key);
    const receiver = new SrtpContext('AES_CM_128_HMAC_SHA1_32', key, key);
    const packet = (sequence: number): Buffer =>
      sender.protectRtp(
        Buffer.concat([
          new RtpHeader({ sequenceNumber: sequence, ssrc: 1, payloadType: 8 }).serialize(12),
          Buffer.alloc(20, 1),
        ]),
      );
    const first = packet(10);
    expect(first.length).toBe(12 + 20 + 4);
    expect(receiver.unprotectRtp(first)).toBeDefined();
    expect(receiver.unprotectRtp(first)).toBeUndefined();
    const tampered = Buffer.from(packet(11));
    tampered[15] = (tampered[15] as number) ^ 1;
    expect(receiver.unprotectRtp(tampered)).toBeUndefined();
    const late = packet(12);
    expect(receiver.unprotectRtp(packet(300))).toBeDefined();
    expect(receiver.unprotectRtp(late)).toBeUndefined(); // 288 behind: outside the 128-packet window
    const recent = packet(250);
    expect(receiver.unprotectRtp(packet(301))).toBeDefined();
    expect(receiver.unprotectRtp(recent)).toBeDefined(); // late but inside the window
    expect(receiver.unprotectRtp(recent)).toBeUndefined();
  });
});
