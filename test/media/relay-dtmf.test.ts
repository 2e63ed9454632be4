// RFC 4733 DTMF through the relay: browser digits reach the phone at 8000 Hz (rescaled from 48000 when the browser
// leg is Opus), phone digits surface once each as `dtmf` events, and the relay can generate digits itself.

import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { MediaSessionEvent } from '@cubebridge/core';
import { waitFor } from '../harness/media/Browser.ts';
import { RtpPeer } from '../harness/media/RtpPeer.ts';
import { useBrowserAndRelay } from '../harness/media/browserAndRelay.ts';
import { silentLogger } from '../harness/media/silentLogger.ts';

type DtmfEvent = Extract<MediaSessionEvent, { type: 'dtmf' }>;

describe('DTMF through the relay', () => {
  const media = useBrowserAndRelay([44000, 44999]);

  it('carries digits both ways between an Opus browser (48 kHz events) and a PCMU phone (8 kHz events)', async () => {
    const page = await media.browser.page({
      toneHz: 700,
      listenHz: 1000,
      codecs: ['opus', 'telephone-event'],
    });
    const peer = await new RtpPeer('PCMU', 1000, 700).bind();
    const session = await media.relay.createSession({
      callId: 'dtmf',
      logger: silentLogger,
      statsIntervalMs: 0,
    });
    try {
      await session.webrtc.setRemoteOffer(await page.offer());
      await page.accept(await session.webrtc.createAnswer());
      await session.sip.setRemoteAnswer(peer.answer(await session.sip.createOffer()));
      expect(session.webrtc.audio?.telephoneEvent?.clockRate).toBe(48000);
      expect(session.sip.audio?.telephoneEvent).toEqual({ payloadType: 101, clockRate: 8000 });
      peer.start();
      const since = await page.now();
      await waitFor('audio in the browser', async () => (await page.toneWindows(since)) >= 5);

      const fromBrowser = firstValueFrom(
        session.events$.pipe(
          filter((event): event is DtmfEvent => event.type === 'dtmf' && event.leg === 'webrtc'),
          take(4),
          toArray(),
        ),
      );
      await page.insertDtmf('159#');
      const browserDigits = await fromBrowser;
      expect(browserDigits.map((event) => event.digit)).toEqual(['1', '5', '9', '#']);
      // Chrome rounds the 100 ms we asked for up to its own packet grid.
      for (const event of browserDigits) expect(event.durationMs).toBeGreaterThanOrEqual(100);
      await waitFor(
        'four digits at the phone',
        () => [...peer.dtmf.values()].filter((digit) => digit.endPackets > 0).length >= 4,
      );
      const atPhone = [...peer.dtmf.values()];
      expect(atPhone.map((digit) => digit.event)).toEqual([1, 5, 9, 11]);
      // The same length in the phone's 8000 Hz clock: Chrome's 48000 Hz durations were divided by 6.
      expect(atPhone.map((digit) => digit.duration)).toEqual(
        browserDigits.map((event) => event.durationMs * 8),
      );
      for (const digit of atPhone) expect(digit.endPackets).toBeGreaterThanOrEqual(1);

      const fromPhone = firstValueFrom(
        session.events$.pipe(
          filter((event): event is DtmfEvent => event.type === 'dtmf' && event.leg === 'sip'),
          take(2),
          toArray(),
        ),
      );
      await peer.sendDigit(7, 800);
      await peer.sendDigit(0, 1600);
      const phoneDigits = await fromPhone;
      expect(phoneDigits).toEqual([
        { type: 'dtmf', leg: 'sip', digit: '7', durationMs: 100 },
        { type: 'dtmf', leg: 'sip', digit: '0', durationMs: 200 },
      ]);

      // A digit the relay generates (e.g. from SIP INFO or an app message) reaches the phone as RFC 4733.
      peer.dtmf.clear();
      await session.sendDtmf('sip', '3', 120);
      await waitFor('the generated digit at the phone', () =>
        [...peer.dtmf.values()].some((digit) => digit.event === 3 && digit.endPackets === 3),
      );
      expect([...peer.dtmf.values()].map((digit) => [digit.event, digit.duration])).toEqual([[3, 960]]);
    } finally {
      await session.close();
      await peer.close();
      await page.close();
    }
  });
});
