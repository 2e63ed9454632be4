// Chromium ⇄ relay ⇄ plain RTP phone: a tone proven both ways, forwarded (same codec) and transcoded.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type WeriftMediaSession,
  type WeriftRelay,
  weriftRelay,
} from '../../adapters/media-werift/src/index.ts';
import { MediaBrowser, type MediaPage, waitFor } from '../harness/media/Browser.ts';
import { RtpPeer } from '../harness/media/RtpPeer.ts';
import { silentLogger } from '../harness/media/silentLogger.ts';

const BROWSER_TONE = 700;
const PHONE_TONE = 1000;

describe('audio relay with a real browser', () => {
  let browser: MediaBrowser;
  let relay: WeriftRelay;
  const cleanup: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    browser = await MediaBrowser.launch();
    relay = weriftRelay({ bindAddress: '127.0.0.1', rtpPorts: [41000, 41999] });
  });

  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });

  afterAll(async () => {
    await relay?.stop();
    await browser?.close();
  });

  async function parts(
    codec: 'PCMU' | 'PCMA' | 'G722' | 'opus',
    browserCodecs?: string[],
  ): Promise<{ page: MediaPage; peer: RtpPeer; session: WeriftMediaSession }> {
    const page = await browser.page({ toneHz: BROWSER_TONE, listenHz: PHONE_TONE, codecs: browserCodecs });
    cleanup.push(() => page.close());
    const peer = await new RtpPeer(codec, PHONE_TONE, BROWSER_TONE).bind();
    cleanup.push(() => peer.close());
    const session = await relay.createSession({
      callId: `call-${Math.random()}`,
      logger: silentLogger,
      statsIntervalMs: 0,
    });
    cleanup.push(() => session.close());
    return { page, peer, session };
  }

  async function expectToneBothWays(page: MediaPage, peer: RtpPeer): Promise<void> {
    const since = await page.now();
    const peerSince = performance.now();
    await waitFor('the browser to hear the phone tone', async () => (await page.toneWindows(since)) >= 20);
    await waitFor('the phone to hear the browser tone', () => peer.toneFrames(peerSince) >= 50);
  }

  it('forwards PCMU without transcoding when the phone offers first (inbound SIP call)', async () => {
    const { page, peer, session } = await parts('PCMU');
    await session.sip.setRemoteOffer(peer.offer());
    const answer = await page.answer(await session.webrtc.createOffer());
    await session.webrtc.setRemoteAnswer(answer);
    peer.setRemote(await session.sip.createAnswer());
    peer.start();
    await expectToneBothWays(page, peer);
    expect(session.transcoding).toEqual({ toSip: false, toWebRtc: false });
    expect(await page.negotiatedCodec()).toBe('PCMU');
    expect([...peer.payloadTypes]).toEqual([0]);
  });

  it('forwards Opus without transcoding between an Opus phone and the browser', async () => {
    const { page, peer, session } = await parts('opus');
    await session.sip.setRemoteOffer(peer.offer());
    const answer = await page.answer(await session.webrtc.createOffer());
    await session.webrtc.setRemoteAnswer(answer);
    peer.setRemote(await session.sip.createAnswer());
    peer.start();
    await expectToneBothWays(page, peer);
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
