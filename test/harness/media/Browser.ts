// Headless Chromium for media tests: a page that sends a WebAudio sine over RTCPeerConnection and measures, with a
// Goertzel filter on an AnalyserNode, how much of what it hears is at the expected frequency.
// Chromium binds every interface: run it only inside the test namespace (`pnpm test` does).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { chromiumArgs, chromiumExecutable } from '../browser/chromium.ts';
import { toneShare } from '../sip/audio.ts';
import { waitFor as poll } from '../sip/processes.ts';

/** Runs in the page: one peer connection, a tone out, tone measurement in. */
const PAGE_SCRIPT = `
const toneRatio = ${toneShare.toString()};
window.media = {
  log: [], pc: null, ctx: null, sender: null, track: null, codecs: null, listenHz: 0, camera: null, videoCodec: null,
  async setup({ toneHz, listenHz, codecs, video }) {this.listenHz = listenHz;
    this.ctx = new AudioContext({ sampleRate: 48000 });
    await this.ctx.resume();
    // getUserMedia (fake device) makes Chrome expose host candidates instead of mDNS names.
    const mic = await navigator.mediaDevices.getUserMedia({ audio: true, video: Boolean(video) });
    mic.getAudioTracks().forEach((t) => t.stop());
    this.camera = mic.getVideoTracks()[0] ?? null;
    this.videoCodec = typeof video === 'string' ? video : null;
    const oscillator = this.ctx.createOscillator();
    oscillator.frequency.value = toneHz;
    const gain = this.ctx.createGain();
    gain.gain.value = 0.3;
    const destination = this.ctx.createMediaStreamDestination();
    oscillator.connect(gain).connect(destination);
    oscillator.start();
    this.pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    this.track = destination.stream.getAudioTracks()[0];
    this.codecs = codecs;
    this.pc.ontrack = (event) => {
      if (event.track.kind === 'video') {
        const element = document.createElement('video');
        element.muted = true;
        element.srcObject = new MediaStream([event.track]);
        document.body.appendChild(element);
        element.play().catch(() => {});
        return;
      }
      this.listen(event.streams[0] ?? new MediaStream([event.track]));
    };
  },
  useVideo(transceiver) {
    if (!transceiver || !this.camera) return;
    transceiver.direction = 'sendrecv';
    transceiver.sender.replaceTrack(this.camera);
    if (this.videoCodec) {
      const all = RTCRtpReceiver.getCapabilities('video').codecs;
      transceiver.setCodecPreferences(all.filter((c) => c.mimeType.split('/')[1].toUpperCase() === this.videoCodec));
    }
  },
  use(transceiver) {transceiver.direction = 'sendrecv';
    transceiver.sender.replaceTrack(this.track);
    this.sender = transceiver.sender;
    if (this.codecs) {
      const all = RTCRtpReceiver.getCapabilities('audio').codecs;
      transceiver.setCodecPreferences(all.filter((c) => this.codecs.includes(c.mimeType.split('/')[1].toLowerCase())));
    }
  },
  listen(stream) {
    const audio = new Audio();
    audio.srcObject = stream;
    audio.play().catch(() => {});
    const analyser = this.ctx.createAnalyser();
    analyser.fftSize = 2048;
    this.ctx.createMediaStreamSource(stream).connect(analyser);
    const buffer = new Float32Array(analyser.fftSize);
    setInterval(() => {
      analyser.getFloatTimeDomainData(buffer);
      this.log.push({ at: performance.now(), ratio: toneRatio(buffer, this.listenHz, this.ctx.sampleRate) });
    }, 50);
  },
  async gathered() {
    if (this.pc.iceGatheringState !== 'complete') {
      await new Promise((r) => this.pc.addEventListener('icegatheringstatechange', () => this.pc.iceGatheringState === 'complete' && r()));
    }
    return this.pc.localDescription.sdp;
  },
  async offer() {
    this.use(this.pc.addTransceiver('audio'));
    if (this.camera) this.useVideo(this.pc.addTransceiver('video'));
    await this.pc.setLocalDescription(await this.pc.createOffer());
    return this.gathered();
  },
  async answer(sdp) {
    await this.pc.setRemoteDescription({ type: 'offer', sdp });
    // The offer's transceiver is created by setRemoteDescription: attach our tone to it so we answer sendrecv.
    this.use(this.pc.getTransceivers().find((t) => t.receiver.track.kind === 'audio'));
    this.useVideo(this.pc.getTransceivers().find((t) => t.receiver.track.kind === 'video'));
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    return this.gathered();
  },
  async accept(sdp) { await this.pc.setRemoteDescription({ type: 'answer', sdp }); },
  async trickleOffer() {
    this.candidates = [];
    this.pc.onicecandidate = (event) => event.candidate && this.candidates.push(event.candidate.toJSON());
    this.use(this.pc.addTransceiver('audio'));
    await this.pc.setLocalDescription(await this.pc.createOffer());
    return this.pc.localDescription.sdp;
  },
  async takeCandidates() {
    await this.gathered();
    return this.candidates;
  },
  async addCandidate(candidate) { await this.pc.addIceCandidate(candidate); },
  connectionState() { return this.pc.connectionState; },
  now() { return performance.now(); },
  toneWindows(since, threshold) { return this.log.filter((e) => e.at >= since && e.ratio > threshold).length; },
  insertDtmf(digits) { this.sender.dtmf.insertDTMF(digits, 100, 70); },
  async inbound() {
    const stats = await this.pc.getStats();
    return [...stats.values()].filter((s) => s.type === 'inbound-rtp' && s.kind === 'audio').map((s) => ({ ssrc: s.ssrc, packetsReceived: s.packetsReceived, packetsLost: s.packetsLost }));
  },
  async outbound() {
    const stats = await this.pc.getStats();
    const codecs = new Map([...stats.values()].filter((s) => s.type === 'codec').map((s) => [s.id, s.mimeType]));
    return [...stats.values()].filter((s) => s.type === 'outbound-rtp' && s.kind === 'audio').map((s) => ({ ssrc: s.ssrc, packetsSent: s.packetsSent, codec: codecs.get(s.codecId) }));
  },
  async videoStats() {
    const stats = await this.pc.getStats();
    const all = [...stats.values()];
    const inbound = all.find((s) => s.type === 'inbound-rtp' && s.kind === 'video') ?? {};
    const outbound = all.find((s) => s.type === 'outbound-rtp' && s.kind === 'video') ?? {};
    const codec = all.find((s) => s.id === inbound.codecId)?.mimeType;
    return { framesDecoded: inbound.framesDecoded ?? 0, codec, pliSent: inbound.pliCount ?? 0, firSent: inbound.firCount ?? 0, pliReceived: outbound.pliCount ?? 0, firReceived: outbound.firCount ?? 0, keyFramesEncoded: outbound.keyFramesEncoded ?? 0 };
  },
  negotiatedCodec() {const sdp = this.pc.remoteDescription.sdp;
    const pt = /m=audio \\d+ \\S+ (\\d+)/.exec(sdp)[1];
    return new RegExp('a=rtpmap:' + pt + ' ([^/]+)').exec(sdp)[1];
  },
  close() { this.pc?.close(); this.ctx?.close(); },
};
`;

export class MediaBrowser {
  readonly #browser: BrowserContext;
  readonly #profile: string;

  private constructor(browser: BrowserContext, profile: string) {
    this.#browser = browser;
    this.#profile = profile;
  }

  static async launch(): Promise<MediaBrowser> {
    const profile = await mkdtemp(join(tmpdir(), 'cubebridge-chromium-'));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumExecutable,
      headless: true,
      // The page is served as localhost, so Chromium's local-network checks can stay on.
      args: chromiumArgs({ localNetworkAccessChecks: true }),
    });
    return new MediaBrowser(browser, profile);
  }

  /** A fresh page playing `toneHz` and listening for `listenHz`; `codecs` limits what it offers (e.g. ['opus']). */
  /** `video`: true for the fake camera, or a codec name ('VP8', 'H264') to offer only that. */
  async page(options: {
    toneHz: number;
    listenHz: number;
    codecs?: string[];
    video?: boolean | string;
  }): Promise<MediaPage> {
    const page = await this.#browser.newPage();
    // A localhost URL is a secure context (getUserMedia needs one); the request never leaves the browser.
    await page.route('http://localhost/media', (route) =>
      route.fulfill({ contentType: 'text/html', body: `<!doctype html><script>${PAGE_SCRIPT}</script>` }),
    );
    await page.goto('http://localhost/media');
    await page.evaluate(
      (o) => (window as unknown as { media: { setup(o: unknown): Promise<void> } }).media.setup(o),
      options,
    );
    return new MediaPage(page);
  }

  async close(): Promise<void> {
    await this.#browser.close();
    await rm(this.#profile, { recursive: true, force: true });
  }
}

type PageMedia = Record<string, (...args: unknown[]) => unknown>;

export class MediaPage {
  readonly #page: Page;

  constructor(page: Page) {
    this.#page = page;
  }

  #call<T>(method: string, ...args: unknown[]): Promise<T> {
    return this.#page.evaluate(
      ({ method, args }) => (window as unknown as { media: PageMedia }).media[method]?.(...args),
      { method, args },
    ) as Promise<T>;
  }

  offer(): Promise<string> {
    return this.#call('offer');
  }

  answer(sdp: string): Promise<string> {
    return this.#call('answer', sdp);
  }

  accept(sdp: string): Promise<void> {
    return this.#call('accept', sdp);
  }

  /** Offer without waiting for candidates (trickle ICE): they come from `takeCandidates()`. */
  trickleOffer(): Promise<string> {
    return this.#call('trickleOffer');
  }

  takeCandidates(): Promise<{ candidate: string; sdpMid: string | null; sdpMLineIndex: number | null }[]> {
    return this.#call('takeCandidates');
  }

  addCandidate(candidate: {
    candidate: string;
    sdpMid?: string | null;
    sdpMLineIndex?: number | null;
  }): Promise<void> {
    return this.#call('addCandidate', candidate);
  }

  connectionState(): Promise<string> {
    return this.#call('connectionState');
  }

  now(): Promise<number> {
    return this.#call('now');
  }

  /** Analyser windows (50 ms apart) since `since` in which the expected tone dominates. */
  toneWindows(since: number, threshold = 0.5): Promise<number> {
    return this.#call('toneWindows', since, threshold);
  }

  insertDtmf(digits: string): Promise<void> {
    return this.#call('insertDtmf', digits);
  }

  /** One entry per audio SSRC the browser has received. */
  inbound(): Promise<{ ssrc: number; packetsReceived: number; packetsLost: number }[]> {
    return this.#call('inbound');
  }

  outbound(): Promise<{ ssrc: number; packetsSent: number; codec: string | undefined }[]> {
    return this.#call('outbound');
  }

  videoStats(): Promise<{
    framesDecoded: number;
    codec: string | undefined;
    pliSent: number;
    firSent: number;
    pliReceived: number;
    firReceived: number;
    keyFramesEncoded: number;
  }> {
    return this.#call('videoStats');
  }

  negotiatedCodec(): Promise<string> {
    return this.#call('negotiatedCodec');
  }

  async close(): Promise<void> {
    await this.#call('close').catch(() => undefined);
    await this.#page.close();
  }
}

/** Polls `check` until it returns true; fails with `what` after `timeoutMs` (media tests allow 20 s by default). */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
): Promise<void> {
  await poll(what, check, timeoutMs);
}
