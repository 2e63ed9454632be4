// Trickle ICE on the WebRTC leg, as ConnectyCube signalling does it: the browser's offer carries no candidate and
// they arrive one by one (addRemoteCandidate); ours go out on localCandidates$ and the browser gets only those.

import { describe, expect, it } from 'vitest';
import { waitFor } from '../harness/media/Browser.ts';
import { RtpPeer } from '../harness/media/RtpPeer.ts';
import { useBrowserAndRelay } from '../harness/media/browserAndRelay.ts';
import { silentLogger } from '../harness/media/silentLogger.ts';

describe('trickle ICE', () => {
  const media = useBrowserAndRelay([49100, 49199]);

  it('connects with candidates exchanged only as trickled candidates, both ways', async () => {
    const page = await media.browser.page({ toneHz: 700, listenHz: 1000 });
    const peer = await new RtpPeer('PCMU', 1000, 700).bind();
    const session = await media.relay.createSession({
      callId: 'trickle',
      logger: silentLogger,
      statsIntervalMs: 0,
    });
    try {
      const ours: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null }[] = [];
      let ended = false;
      session.webrtc.localCandidates$.subscribe((candidate) => {
        if (candidate) ours.push(candidate);
        else ended = true;
      });
      const offer = await page.trickleOffer();
      expect(offer).not.toContain('a=candidate');
      await session.webrtc.setRemoteOffer(offer);
      // Strip our candidates from the answer: the browser must learn them by trickle only.
      const answer = (await session.webrtc.createAnswer())
        .split('\r\n')
        .filter((line) => !line.startsWith('a=candidate') && line !== 'a=end-of-candidates')
        .join('\r\n');
      await page.accept(answer);
      for (const candidate of await page.takeCandidates()) await session.webrtc.addRemoteCandidate(candidate);
      await waitFor('our candidates and their end', () => ended && ours.length > 0);
      for (const candidate of ours) await page.addCandidate(candidate);
      await waitFor('the browser to connect', async () => (await page.connectionState()) === 'connected');

      await session.sip.setRemoteAnswer(peer.answer(await session.sip.createOffer()));
      peer.start();
      const since = await page.now();
      await waitFor('audio in the browser', async () => (await page.toneWindows(since)) >= 10);
    } finally {
      await session.close();
      await peer.close();
      await page.close();
    }
  });
});
