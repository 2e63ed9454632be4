// Video through the relay: Chromium's camera (VP8 or H.264) → relay → a SIP video phone that echoes it → relay →
// Chromium, which decodes frames; keyframe requests are mediated both ways (PLI and FIR from the phone reach
// Chromium's encoder as PLI; the relay asks the phone for a keyframe when a video source starts).

import { filter, firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../harness/media/Browser.ts';
import { RtpPeer } from '../harness/media/RtpPeer.ts';
import { useBrowserAndRelay } from '../harness/media/browserAndRelay.ts';
import { silentLogger } from '../harness/media/silentLogger.ts';
import { VideoEchoPeer } from '../harness/media/VideoEchoPeer.ts';

describe('video forwarding with keyframe mediation', () => {
  const media = useBrowserAndRelay([48000, 48999]);

  for (const codec of ['VP8', 'H264', 'VP9'] as const) {
    it(`forwards ${codec} both ways relays PLI/FIR from the phone to the browser's encoder, and browser PLIs to the phone`, async () => {
      const page = await media.browser.page({ toneHz: 700, listenHz: 1000, video: codec });
      const audioPeer = await new RtpPeer('PCMU', 1000, 700).bind();
      const videoPeer = await new VideoEchoPeer().bind();
      const session = await media.relay.createSession({
        callId: `video-${codec}`,
        logger: silentLogger,
        statsIntervalMs: 0,
      });
      try {
        const askedPhone = firstValueFrom(session.sip.keyframeRequests$);
        await session.webrtc.setRemoteOffer(await page.offer());
        await page.accept(await session.webrtc.createAnswer());
        expect(session.webrtc.negotiated).toEqual({ audio: true, video: true });
        const offer = await session.sip.createOffer({ kinds: { audio: true, video: true } });
        expect(offer).toMatch(/m=video \d+ RTP\/AVP \d+/);
        expect(offer).toContain('a=rtcp-fb:* nack pli');
        expect(offer).toContain('a=rtcp-fb:* ccm fir');
        const pt = { VP8: 96, H264: 97, VP9: 98 }[codec];
        const answer = audioPeer
          .answer(offer)
          .replace(
            /a=sendrecv\r\n$/,
            `a=sendrecv\r\nm=video ${videoPeer.port} RTP/AVP ${pt}\r\na=rtpmap:${pt} ${codec}/90000\r\n${codec === 'H264' ? `a=fmtp:${pt} profile-level-id=42e01f;packetization-mode=1\r\n` : ''}a=rtcp-fb:* nack pli\r\na=sendrecv\r\n`,
          );
        await session.sip.setRemoteAnswer(answer);
        expect(session.sip.negotiated).toEqual({ audio: true, video: true });
        videoPeer.setRelay(offer);
        audioPeer.start();

        await waitFor(
          'the browser to decode its echoed video',
          async () => (await page.videoStats()).framesDecoded >= 30,
          30_000,
        );
        expect((await page.videoStats()).codec).toBe(`video/${codec}`);
        expect([...videoPeer.payloadTypes]).toEqual([pt]);
        // When the browser's video started, the relay asked the phone for a keyframe (RTCP and keyframeRequests$).
        await askedPhone;
        expect(videoPeer.pliReceived + videoPeer.firReceived).toBeGreaterThan(0);

        const before = await page.videoStats();
        const requested = firstValueFrom(
          session.events$.pipe(filter((event) => event.type === 'keyframe-requested' && event.by === 'sip')),
        );
        videoPeer.sendPli();
        await requested;
        await waitFor(
          'a PLI at the browser encoder',
          async () => (await page.videoStats()).pliReceived > before.pliReceived,
        );
        await waitFor(
          'a new keyframe',
          async () => (await page.videoStats()).keyFramesEncoded > before.keyFramesEncoded,
        );
        const afterPli = await page.videoStats();
        videoPeer.sendFir();
        await waitFor(
          'the FIR to reach the browser encoder (as PLI)',
          async () => (await page.videoStats()).pliReceived > afterPli.pliReceived,
        );

        // A phone that asks by SIP INFO picture_fast_update: the SIP adapter calls requestKeyframe('webrtc').
        const afterFir = await page.videoStats();
        session.requestKeyframe('webrtc');
        await waitFor(
          'the INFO-triggered PLI at the browser encoder',
          async () => (await page.videoStats()).pliReceived > afterFir.pliReceived,
        );

        // Loss on the way back: the browser's decoder sends a PLI, which the relay turns into PLI+FIR to the phone.
        const fromBrowser = firstValueFrom(
          session.events$.pipe(
            filter((event) => event.type === 'keyframe-requested' && event.by === 'webrtc'),
          ),
        );
        const phoneRequests = videoPeer.pliReceived;
        videoPeer.drop(20);
        await fromBrowser;
        await waitFor('the browser PLI at the phone', () => videoPeer.pliReceived > phoneRequests);
      } finally {
        await session.close();
        await audioPeer.close();
        await videoPeer.close();
        await page.close();
      }
    });
  }
});
