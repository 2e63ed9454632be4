// Chromium ⇄ relay ⇄ plain RTP phone: a tone proven both ways, forwarded (same codec) and transcoded.

import { afterEach, describe, expect, it } from 'vitest';
import type { WeriftMediaSession } from '../../adapters/media-werift/src/index.ts';
import { type MediaPage, waitFor } from '../harness/media/Browser.ts';
import { RtpPeer } from '../harness/media/RtpPeer.ts';
import { useBrowserAndRelay } from '../harness/media/browserAndRelay.ts';
import { silentLogger } from '../harness/media/silentLogger.ts';
import { Cleanups } from '../harness/platform/Cleanups.ts';

const BROWSER_TONE = 700;
const PHONE_TONE = 1000;

describe('audio relay with a real browser', () => {
  const media = useBrowserAndRelay([41000, 41999]);
  const cleanup = new Cleanups();

  afterEach(() => cleanup.run());

  async function parts(
    codec: 'PCMU' | 'PCMA' | 'G722' | 'opus',
    browserCodecs?: string[],
  ): Promise<{ page: MediaPage; peer: RtpPeer; session: WeriftMediaSession }> {
    const page = cleanup.closes(
      await media.browser.page({ toneHz: BROWSER_TONE, listenHz: PHONE_TONE, codecs: browserCodecs }),
    );
    const peer = cleanup.closes(await new RtpPeer(codec, PHONE_TONE, BROWSER_TONE).bind());
    const session = cleanup.closes(
      await media.relay.createSession({
        callId: `call-${Math.random()}`,
        logger: silentLogger,
        statsIntervalMs: 0,
      }),
    );
    return { page, peer, session };
  }

  async function expectToneBothWays(page: MediaPage, peer: RtpPeer): Promise<void> {
    const since = await page.now();
    const peerSince = performance.now();
    await waitFor('the browser to hear the phone tone', async () => (await page.toneWindows(since)) >= 20);
    await waitFor('the phone to hear the browser tone', () => peer.toneFrames(peerSince) >= 50);
  }

  /** Inbound SIP call: the phone's offer goes to the browser, the answers come back, and the tone flows both ways. */
  async function phoneOffersFirst(
    page: MediaPage,
    peer: RtpPeer,
    session: WeriftMediaSession,
  ): Promise<void> {
    await session.sip.setRemoteOffer(peer.offer());
    const answer = await page.answer(await session.webrtc.createOffer());
    await session.webrtc.setRemoteAnswer(answer);
    peer.setRemote(await session.sip.createAnswer());
    peer.start();
    await expectToneBothWays(page, peer);
  }

  it('forwards PCMU without transcoding when the phone offers first (inbound SIP call)', async () => {
    const { page, peer, session } = await parts('PCMU');
    await phoneOffersFirst(page, peer, session);
    expect(session.transcoding).toEqual({ toSip: false, toWebRtc: false });
    expect(await page.negotiatedCodec()).toBe('PCMU');
    expect([...peer.payloadTypes]).toEqual([0]);
  });

  it('forwards Opus without transcoding between an Opus phone and the browser', async () => {
    const { page, peer, session } = await parts('opus');
    await phoneOffersFirst(page, peer, session);
    expect(session.transcoding).toEqual({ toSip: false, toWebRtc: false });
    expect((await page.negotiatedCodec()).toLowerCase()).toBe('opus');
    expect([...peer.payloadTypes]).toEqual([111]);
  });

  it('transcodes an Opus-only browser to a G.722 phone (browser calls out)', async () => {
    const { page, peer, session } = await parts('G722', ['opus']);
    await session.webrtc.setRemoteOffer(await page.offer());
    await page.accept(await session.webrtc.createAnswer());
    await session.sip.setRemoteAnswer(peer.answer(await session.sip.createOffer()));
    peer.start();
    await expectToneBothWays(page, peer);
    expect(session.transcoding).toEqual({ toSip: true, toWebRtc: true });
    expect(await page.negotiatedCodec()).toBe('opus');
    expect([...peer.payloadTypes]).toEqual([9]);
  });

  it('transcodes an Opus-only browser to a PCMA phone', async () => {
    const { page, peer, session } = await parts('PCMA', ['opus']);
    await session.sip.setRemoteOffer(peer.offer());
    await session.webrtc.setRemoteOffer(await page.offer());
    await page.accept(await session.webrtc.createAnswer());
    peer.setRemote(await session.sip.createAnswer());
    peer.start();
    await expectToneBothWays(page, peer);
    expect(session.transcoding).toEqual({ toSip: true, toWebRtc: true });
  });
});
