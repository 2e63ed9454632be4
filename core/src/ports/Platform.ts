// The platform port: the app side (ConnectyCube), with calls both ways over its own signalling.
import type { Observable } from 'rxjs';
import type { PlatformLegRecord } from './CallJournal.ts';
import type { AdapterContext, CallLeg, EndReason, MediaKinds, Party } from './common.ts';
import type { WebRtcMediaEndpoint } from './MediaRelay.ts';

export interface Platform {
  readonly name: string;
  start(context: AdapterContext): Promise<void>;
  stop(): Promise<void>;
  /** Calls placed by app users to the gateway (or to a mirrored identity). */
  readonly incoming$: Observable<IncomingPlatformCall>;
  /** Ring one or several app users (first to answer wins; the rest are told to stop). */
  call(request: OutgoingPlatformCallRequest): Promise<PlatformLeg>;
  /**
   * End an app-side leg an earlier process left up (from the `CallJournal`): tell the app the call is over
   * (ConnectyCube: a `hangUp` signal for that session). Rejects when it cannot be sent.
   */
  endOrphanedCall?(record: PlatformLegRecord): Promise<void>;
}

export interface PlatformLeg extends CallLeg {
  readonly side: 'platform';
  /** The platform's own session id (ConnectyCube `sessionID`). */
  readonly platformSessionId: string;
}

export interface IncomingPlatformCall {
  readonly from: Party;
  /** Who was called: the gateway identity or a mirrored SIP identity. */
  readonly to: Party;
  readonly offered: MediaKinds;
  /** App-provided call data (ConnectyCube `userInfo`), e.g. `{ to: 'sip:1001@pbx' }`. */
  readonly userInfo: Readonly<Record<string, string>>;
  accept(media: WebRtcMediaEndpoint): Promise<PlatformLeg>;
  reject(reason: EndReason, detail?: string): Promise<void>;
  readonly cancelled$: Observable<void>;
}

export interface OutgoingPlatformCallRequest {
  readonly callId: string;
  /** App users to ring (`connectycube:12345` or plain ids). */
  readonly to: readonly string[];
  /** The caller as the app should see it (SIP identity and display name). */
  readonly from: Party;
  readonly media: WebRtcMediaEndpoint;
  readonly kinds: MediaKinds;
  readonly userInfo?: Readonly<Record<string, string>>;
  /** Give up ringing after this long (EndReason `no-answer`). */
  readonly ringTimeoutMs?: number;
}
