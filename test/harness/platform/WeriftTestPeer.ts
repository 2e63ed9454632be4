// A test peer: a WebRtcMediaEndpoint built directly on a werift RTCPeerConnection, so the ConnectyCube adapter
// can be tested with real ICE and DTLS before (and independently of) the media relay.
import type { IceCandidate, MediaKinds, OfferOptions, WebRtcMediaEndpoint } from '@cubebridge/core';
import { ReplaySubject } from 'rxjs';
import { RTCPeerConnection, type RTCRtpTransceiver } from 'werift';

export type PeerConnectionState = RTCPeerConnection['connectionState'];

export class WeriftTestPeer implements WebRtcMediaEndpoint {
  readonly kind = 'webrtc';
  readonly pc: RTCPeerConnection;
  /** Replayed so a late subscriber still sees every candidate and the end of gathering. */
  readonly localCandidates$ = new ReplaySubject<IceCandidate | null>();
  /** Remote candidates the adapter handed us, for assertions. */
  readonly remoteCandidates: IceCandidate[] = [];
  #negotiated: MediaKinds | undefined;

  constructor() {
    // Only loopback exists in the test namespace; werift skips it unless told.
    this.pc = new RTCPeerConnection({
      iceServers: [],
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceUseIpv6: false,
      iceUseTcp: false,
    });
    this.pc.onIceCandidate.subscribe((candidate) => {
      if (!candidate) {
        this.localCandidates$.next(null);
        return;
      }
      this.localCandidates$.next({
        candidate: candidate.candidate,
        sdpMid: candidate.sdpMid ?? null,
        sdpMLineIndex: candidate.sdpMLineIndex ?? null,
      });
    });
  }

  get negotiated(): MediaKinds | undefined {
    return this.#negotiated;
  }

  get connectionState(): PeerConnectionState {
    return this.pc.connectionState;
  }

  async createOffer(options?: OfferOptions): Promise<string> {
    const kinds = options?.kinds ?? { audio: true, video: false };
    if (kinds.audio) this.pc.addTransceiver('audio', { direction: 'sendrecv' });
    if (kinds.video) this.pc.addTransceiver('video', { direction: 'sendrecv' });
    await this.pc.setLocalDescription(await this.pc.createOffer());
    return this.#localSdp();
  }

  async setRemoteAnswer(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
    this.#negotiated = this.#kinds();
  }

  async setRemoteOffer(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp });
    for (const transceiver of this.pc.getTransceivers() as RTCRtpTransceiver[])
      transceiver.setDirection('sendrecv');
  }

  async createAnswer(): Promise<string> {
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    this.#negotiated = this.#kinds();
    return this.#localSdp();
  }

  async addRemoteCandidate(candidate: IceCandidate): Promise<void> {
    this.remoteCandidates.push(candidate);
    await this.pc.addIceCandidate({
      candidate: candidate.candidate,
      sdpMid: candidate.sdpMid ?? undefined,
      sdpMLineIndex: candidate.sdpMLineIndex ?? undefined,
    });
  }

  /** Resolves when the peer connection reaches `state`; rejects after `timeoutMs`. */
  waitForState(state: PeerConnectionState, timeoutMs = 20_000): Promise<void> {
    if (this.pc.connectionState === state) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        subscription.unSubscribe();
        reject(
          new Error(
            `peer connection still ${this.pc.connectionState} after ${timeoutMs} ms (wanted ${state})`,
          ),
        );
      }, timeoutMs);
      const subscription = this.pc.connectionStateChange.subscribe((now) => {
        if (now !== state) return;
        clearTimeout(timer);
        subscription.unSubscribe();
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.localCandidates$.complete();
    await this.pc.close();
  }

  #localSdp(): string {
    const sdp = this.pc.localDescription?.sdp;
    if (!sdp) throw new Error('no local description');
    return sdp;
  }

  #kinds(): MediaKinds {
    const kinds = (this.pc.getTransceivers() as RTCRtpTransceiver[]).map((t) => t.kind);
    return { audio: kinds.includes('audio'), video: kinds.includes('video') };
  }
}
