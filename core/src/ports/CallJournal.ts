// The calls that are up, kept where the next process finds them: a gateway killed with SIGKILL (or crashed)
// leaves phones and apps in calls nobody ends, so each adapter records its answered legs here and removes
// them when they end, and on start the gateway asks the adapters to end what an earlier process left.

/** One SIP dialog, with what a new process needs to send its BYE (RFC 3261 §12.2.1.1). */
export interface SipDialogRecord {
  readonly kind: 'sip';
  /** Unique per leg (`sip:` + the dialog id). */
  readonly key: string;
  /** When the leg was answered (ms since the epoch). */
  readonly since: number;
  /** The account or trunk whose user agent holds the dialog. */
  readonly via: { readonly kind: 'account' | 'trunk'; readonly name: string };
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly localUri: string;
  readonly remoteUri: string;
  /** The far end's Contact. */
  readonly remoteTarget: string;
  /** From Record-Route, in the order our requests carry them. */
  readonly routeSet: readonly string[];
  /** Our CSeq when the record was written (undefined: we had sent nothing in the dialog). */
  readonly localCSeq: number | undefined;
  readonly transport: 'udp' | 'tcp' | 'tls' | 'ws';
  /** Where our requests in the dialog go first: the first route, else the remote target. */
  readonly destination: string;
}

/** One app-side leg (ConnectyCube: a `WebRTCVideoChat` session). */
export interface PlatformLegRecord {
  readonly kind: 'platform';
  /** Unique per leg (`platform:` + our identity + the session id). */
  readonly key: string;
  readonly since: number;
  /** The platform's session id (ConnectyCube `sessionID`). */
  readonly sessionId: string;
  /** The platform user the gateway is on this leg (its identity). */
  readonly identity: string;
  /** The app user at the other end. */
  readonly peer: string;
  /** Who placed the session, and who was called (ConnectyCube `callerID`, `opponentsIDs`). */
  readonly callerId: string;
  readonly opponentIds: readonly string[];
  /** ConnectyCube `callType`: 1 video, 2 audio. */
  readonly callType: number;
}

export type CallRecord = SipDialogRecord | PlatformLegRecord;

export interface CallJournal {
  /** What earlier processes left up, as read when the journal was opened (until each is `ended`). */
  readonly left: readonly CallRecord[];
  /** A leg is up (answered): keep it until `ended`. A record with the same key is replaced. */
  up(record: CallRecord): void;
  /** The leg is over (idempotent). */
  ended(key: string): void;
  close(): Promise<void>;
}
