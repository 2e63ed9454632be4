// The phone's stream misbehaves as phones do — sequence jump and wrap, new SSRC, hold and resume — and the
// browser keeps hearing the tone through it all, on one continuous SSRC.

import { describe, expect, it } from 'vitest';
import { type MediaPage, waitFor } from '../harness/media/Browser.ts';
import { RtpPeer } from '../harness/media/RtpPeer.ts';
import { useBrowserAndRelay } from '../harness/media/browserAndRelay.ts';
import { silentLogger } from '../harness/media/silentLogger.ts';

describe('stream continuity toward the browser', () => {
  const media = useBrowserAndRelay([43000, 43999]);

  async function browserHearsTone(page: MediaPage, what: string): Promise<void> {
    const since = await page.now();
    await waitFor(`the browser to hear the tone ${what}`, async () => (await page.toneWindows(since)) >= 20);
  }

  for (const mode of ['forwarded PCMU', 'transcoded PCMU → Opus'] as const) {
    it(`survives sequence wrap, SSRC change and hold/resume (${mode})`, async () => {
      const page = await media.browser.page({
        toneHz: 700,
        listenHz: 1000,
        codecs: mode === 'forwarded PCMU' ? undefined : ['opus'],
      });
      const peer = await new RtpPeer('PCMU', 1000, 700).bind();
      const session = await media.relay.createSession({
        callId: `continuity-${mode}`,
        logger: silentLogger,
        statsIntervalMs: 0,
      });
      try {
        if (mode === 'forwarded PCMU') {
          // An inbound SIP call: the phone offers, the browser answers.
          await session.sip.setRemoteOffer(peer.offer());
          await session.webrtc.setRemoteAnswer(await page.answer(await session.webrtc.createOffer()));
          peer.setRemote(await session.sip.createAnswer());
        } else {
          // An app user calls out with an Opus-only offer; the relay offers to the phone.
          await session.webrtc.setRemoteOffer(await page.offer());
          await page.accept(await session.webrtc.createAnswer());
          await session.sip.setRemoteAnswer(peer.answer(await session.sip.createOffer()));
        }
        expect(session.transcoding.toWebRtc).toBe(mode !== 'forwarded PCMU');
        peer.start();
        await browserHearsTone(page, 'at first');

        peer.jumpSequence(65530);
        await waitFor('the phone sequence to wrap', () => peer.sequence < 1000);
        await browserHearsTone(page, 'after the sequence jump to 65530 and the wrap');

        peer.changeSsrc(0x55667788);
        await browserHearsTone(page, 'after an SSRC change');

        // Hold: the phone re-offers sendonly and goes silent, as a phone without music on hold does.
        peer.pause();
        const holdAnswer = await (async () => {
          await session.sip.setRemoteOffer(peer.offer('sendonly'));
          return session.sip.createAnswer();
        })();
        expect(holdAnswer).toContain('a=recvonly');
        const heldAt = performance.now();
        await new Promise((resolve) => setTimeout(resolve, 1500));
        // While held (we are recvonly) the relay sends nothing toward the phone.
        expect(peer.frames.filter((frame) => frame.at > heldAt + 300).length).toBe(0);

        await session.sip.setRemoteOffer(peer.offer('sendrecv'));
        expect(await session.sip.createAnswer()).toContain('a=sendrecv');
        peer.resume();
        await browserHearsTone(page, 'after hold and resume');
        const resumedAt = performance.now();
        await waitFor(
          'the phone to hear the browser again after resume',
          () => peer.toneFrames(resumedAt) >= 25,
        );

        // One SSRC, and Chrome saw no gap: a raw jump to 65530 would count as ~64000 lost packets (or a negative
        // loss on the wrap) and reset its jitter buffer; a raw SSRC change would restart its stream statistics.
        const inbound = await page.inbound();
        expect(inbound.map((entry) => entry.ssrc)).toHaveLength(1);
        expect(Math.abs(inbound[0]?.packetsLost ?? Number.NaN)).toBeLessThan(20);
      } finally {
        await session.close();
        await peer.close();
        await page.close();
      }
    });
  }
});
