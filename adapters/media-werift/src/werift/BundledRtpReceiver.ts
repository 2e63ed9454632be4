// A short receive path for SRTP on a werift bundled transport. werift's own path for every RTP packet is long: the
// ICE connection's event → the DTLS transport's SRTP (which parses the header with `RtpHeader.deSerialize`) → the
// router (header-extension parse) → RTCRtpReceiver (statistics, NACK/TWCC/RED/RTX) → a track event with a cloned
// packet, and every werift `Event.execute` on the way also starts an async closure. That was ≈40 % of the relay's
// CPU (BENCHMARKS.md).
//
// werift still handles the first packet of each SSRC, so the receiver, its per-SSRC statistics, the track and the
// RTCP receiver reports exist exactly as before; the leg then `learn`s that SSRC. Later packets of a learned SSRC
// whose payload type the receiver takes as plain media are decrypted here with the transport's own SRTP context
// (its ROC state, its keys, which cacheSrtpKeys made KeyObjects), counted in werift's statistics for that SSRC (so
// its receiver reports and getStats stay right) and handed to the leg. Everything else keeps werift's path: RTCP,
// DTLS, unknown SSRCs, RTX, RED and FEC payload types, streams with NACK (werift's NACK generator needs every
// packet), and streams whose header extensions werift acts on (transport-wide CC sequence numbers, simulcast RIDs).

import { RTP_EXTENSION_URI } from 'werift';
import { parseRtp, type RtpFrame } from '../rtp/RtpFrame.ts';

/** Where the packets of a learned SSRC go. */
export type RtpSink = (frame: RtpFrame, nowMs: number) => void;

// --- The werift 0.25 internals this relies on (not in its typings); checked when attaching, see `attach`. ---

interface WeriftEvent {
  execute: (data: Buffer) => void;
}

interface SsrcRolloverState {
  ssrc: number;
  rolloverCounter: number;
  lastSequenceNumber: number;
  rolloverHasProcessed?: boolean;
}

/** The header fields werift's ciphers read in `decryptRtp` (and `paddingSize`, which they write). */
interface CipherHeader {
  ssrc: number;
  sequenceNumber: number;
  payloadOffset: number;
  padding: boolean;
  paddingSize: number;
}

interface SrtpRemoteContext {
  srtpSSRCStates: Record<number, SsrcRolloverState | undefined>;
  readonly rtpAuthTagLength: number;
  updateRolloverCount(sequenceNumber: number, state: SsrcRolloverState): void;
  cipher: {
    decryptRtp(cipherText: Buffer, rolloverCounter: number, header: CipherHeader): [Buffer, unknown];
  };
}

interface DtlsTransportInternals {
  srtp?: { remoteContext?: SrtpRemoteContext };
  iceTransport?: { connection?: { onData?: WeriftEvent } };
  bytesReceived: number;
  packetsReceived: number;
}

/** What werift's `StreamStatistics.add` reads from a packet. */
interface StatisticsView {
  header: { sequenceNumber: number; timestamp: number; serializeSize: number };
  payload: Uint8Array;
}

interface ReceiverInternals {
  stopped: boolean;
  codecs: Record<number, { name: string } | undefined>;
  remoteStreams: Record<number, { add(packet: StatisticsView): void } | undefined>;
  trackByRID: Record<string, unknown>;
  readonly nackEnabled: unknown;
  readonly twccEnabled: unknown;
}

interface PeerConnectionInternals {
  router?: { extIdUriMap?: Record<number, string> };
}

interface Route {
  readonly receiver: ReceiverInternals;
  readonly statistics: { add(packet: StatisticsView): void };
  readonly plainPayloadTypes: ReadonlySet<number>;
  readonly sink: RtpSink;
}

/** Payload types werift's receiver unwraps or repairs rather than delivering as they are. */
const NOT_PLAIN = new Set(['rtx', 'red', 'ulpfec', 'flexfec-03']);

/** Header extensions whose values werift's router or receiver use per packet (the short path does not parse them). */
const ROUTING_EXTENSIONS = new Set<string>([
  RTP_EXTENSION_URI.sdesRTPStreamID,
  RTP_EXTENSION_URI.repairedRtpStreamId,
]);

/** werift's `isRtcp`: the second byte of RTCP (RFC 5761 §4) as werift classifies it, so both paths agree. */
function isRtcpByte(second: number): boolean {
  return second >= 192 && second <= 208;
}

export class BundledRtpReceiver {
  readonly #routes = new Map<number, Route>();
  /** SSRCs werift keeps (NACK, TWCC, RIDs...): decided once, not on every packet werift delivers. */
  readonly #declined = new Set<number>();
  /** One reused header for werift's cipher and one view for its statistics: no allocation per packet for them. */
  readonly #header: CipherHeader = {
    ssrc: 0,
    sequenceNumber: 0,
    payloadOffset: 12,
    padding: false,
    paddingSize: 0,
  };
  readonly #view: StatisticsView = {
    header: { sequenceNumber: 0, timestamp: 0, serializeSize: 12 },
    payload: new Uint8Array(0),
  };
  #transport: DtlsTransportInternals | undefined;
  #peerConnection: PeerConnectionInternals | undefined;
  #event: WeriftEvent | undefined;
  #original: ((data: Buffer) => void) | undefined;

  /**
   * Takes over the SRTP arriving on a connected werift DTLS transport (once per transport; attaching another
   * transport releases the previous one). False when the transport has no SRTP yet or werift's shape is not the
   * one this was written for: werift's own path then stays in place.
   */
  attach(dtlsTransport: unknown, peerConnection: unknown): boolean {
    const transport = dtlsTransport as DtlsTransportInternals | undefined;
    if (transport && transport === this.#transport) return true;
    const event = transport?.iceTransport?.connection?.onData;
    const context = transport?.srtp?.remoteContext;
    if (
      !transport ||
      !event ||
      typeof event.execute !== 'function' ||
      typeof context?.updateRolloverCount !== 'function' ||
      typeof context.cipher?.decryptRtp !== 'function' ||
      typeof context.srtpSSRCStates !== 'object'
    )
      return false;
    this.detach();
    this.#transport = transport;
    this.#peerConnection = peerConnection as PeerConnectionInternals;
    this.#event = event;
    this.#original = event.execute;
    event.execute = this.#onData;
    return true;
  }

  /** Gives the transport back to werift's path. */
  detach(): void {
    if (this.#event && this.#original && this.#event.execute === this.#onData)
      this.#event.execute = this.#original;
    this.#event = undefined;
    this.#original = undefined;
    this.#transport = undefined;
    this.#peerConnection = undefined;
    this.forget();
  }

  /**
   * Called with each packet werift delivered to one of our tracks: from then on, that SSRC's plain media takes the
   * short path to `sink`, if werift's receiver does nothing for it but count and deliver.
   */
  learn(ssrc: number, weriftReceiver: unknown, sink: RtpSink): void {
    if (!this.#transport || this.#routes.has(ssrc) || this.#declined.has(ssrc)) return;
    const receiver = weriftReceiver as ReceiverInternals | undefined;
    const statistics = receiver?.remoteStreams?.[ssrc];
    if (!receiver || !statistics || typeof statistics.add !== 'function') return;
    const extensions = Object.values(this.#peerConnection?.router?.extIdUriMap ?? {});
    if (
      receiver.nackEnabled ||
      // Without the transport-wide CC extension werift's TWCC receiver has no sequence numbers to report.
      (receiver.twccEnabled && extensions.includes(RTP_EXTENSION_URI.transportWideCC)) ||
      extensions.some((uri) => ROUTING_EXTENSIONS.has(uri)) ||
      Object.keys(receiver.trackByRID).length > 0
    ) {
      this.#declined.add(ssrc);
      return;
    }
    const plainPayloadTypes = new Set<number>();
    for (const [payloadType, codec] of Object.entries(receiver.codecs)) {
      if (codec && !NOT_PLAIN.has(codec.name.toLowerCase())) plainPayloadTypes.add(Number(payloadType));
    }
    this.#routes.set(ssrc, { receiver, statistics, plainPayloadTypes, sink });
  }

  /** Negotiation changed codecs or feedback: every SSRC goes through werift again until it is learnt anew. */
  forget(): void {
    this.#routes.clear();
    this.#declined.clear();
  }

  readonly #onData = (data: Buffer): void => {
    const original = this.#original as (data: Buffer) => void;
    const first = data[0] as number;
    // RTP version 2 (werift's isMedia), not RTCP, long enough to carry an SSRC.
    if (first < 128 || first > 191 || data.length < 12 || isRtcpByte(data[1] as number)) {
      original(data);
      return;
    }
    const route = this.#routes.get(data.readUInt32BE(8));
    if (!route || route.receiver.stopped || !route.plainPayloadTypes.has((data[1] as number) & 0x7f)) {
      original(data);
      return;
    }
    const transport = this.#transport as DtlsTransportInternals;
    transport.bytesReceived += data.length;
    transport.packetsReceived++;
    const plain = this.#decrypt(transport, data);
    const frame = plain && parseRtp(plain);
    if (!frame) return;
    const view = this.#view;
    view.header.sequenceNumber = frame.sequenceNumber;
    view.header.timestamp = frame.timestamp;
    view.header.serializeSize = this.#header.payloadOffset;
    view.payload = frame.payload;
    route.statistics.add(view);
    route.sink(frame, performance.now());
  };

  /**
   * werift's SRTP decrypt minus its header parse: the same ROC estimation on the same per-SSRC state, committed only
   * when the packet authenticates; undefined (dropped, as werift drops it) when it does not.
   */
  #decrypt(transport: DtlsTransportInternals, data: Buffer): Buffer | undefined {
    const context = transport.srtp?.remoteContext;
    if (!context) return undefined;
    const first = data[0] as number;
    let payloadOffset = 12 + (first & 0x0f) * 4;
    if (first & 0x10) {
      if (data.length < payloadOffset + 4) return undefined;
      payloadOffset += 4 + data.readUInt16BE(payloadOffset + 2) * 4;
    }
    if (payloadOffset > data.length - context.rtpAuthTagLength) return undefined;
    const ssrc = data.readUInt32BE(8);
    const sequenceNumber = data.readUInt16BE(2);
    const header = this.#header;
    header.ssrc = ssrc;
    header.sequenceNumber = sequenceNumber;
    header.payloadOffset = payloadOffset;
    header.padding = (first & 0x20) !== 0;
    header.paddingSize = 0;
    const existing = context.srtpSSRCStates[ssrc];
    const state = existing ?? { ssrc, rolloverCounter: 0, lastSequenceNumber: 0 };
    const { rolloverCounter, lastSequenceNumber, rolloverHasProcessed } = state;
    context.updateRolloverCount(sequenceNumber, state);
    try {
      const [plain] = context.cipher.decryptRtp(data, state.rolloverCounter, header);
      if (!existing) context.srtpSSRCStates[ssrc] = state;
      return plain;
    } catch {
      // SrtpAuthenticationError (or a malformed packet): leave the ROC state as it was.
      state.rolloverCounter = rolloverCounter;
      state.lastSequenceNumber = lastSequenceNumber;
      state.rolloverHasProcessed = rolloverHasProcessed;
      return undefined;
    }
  }
}
