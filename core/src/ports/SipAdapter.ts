// The SIP adapter port: registrations and trunks in, call legs both ways.
import type { Observable } from 'rxjs';
import type { SipDialogRecord } from './CallJournal.ts';
import type { AdapterContext, CallLeg, MediaKinds, Party } from './common.ts';
import type { SipMediaEndpoint } from './MediaRelay.ts';

export interface SipAdapter {
  readonly name: string;
  start(context: AdapterContext): Promise<void>;
  /** Unregister, stop listening, end what is left. */
  stop(): Promise<void>;
  /** INVITEs that reached the gateway (through a registered account or a trunk). */
  readonly incoming$: Observable<IncomingSipCall>;
  /** Place an outgoing call; resolves once the INVITE is sent (progress arrives on the leg's events$). */
  call(request: OutgoingSipCallRequest): Promise<SipLeg>;
  /**
   * End a dialog an earlier process left up (from the `CallJournal`): a BYE built from the record. Resolves once
   * it is answered or given up on; rejects when it cannot be sent (e.g. the account is gone).
   */
  endOrphanedCall?(record: SipDialogRecord): Promise<void>;
}

export interface SipLeg extends CallLeg {
  readonly side: 'sip';
  /** The SIP Call-ID, for correlation with server logs. */
  readonly sipCallId: string;
}

export interface IncomingSipCall {
  readonly from: Party;
  readonly to: Party;
  /** Which registered account or trunk received it. */
  readonly via: { readonly kind: 'account' | 'trunk'; readonly name: string };
  /** Media kinds the INVITE's offer carries (both false for an offer-less INVITE). */
  readonly offered: MediaKinds;
  /** Selected SIP headers a routing rule may want (`X-*`, `Diversion`, `P-Asserted-Identity`). */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Take the call: bind it to the media session's SIP endpoint (the adapter feeds it the INVITE's offer) and
   * get the leg. The caller hears nothing until `ring()` / `answer()`.
   */
  accept(media: SipMediaEndpoint): Promise<SipLeg>;
  /** Refuse before accepting (SIP final response mapped from the reason). */
  reject(reason: import('./common.ts').EndReason, detail?: string): Promise<void>;
  /** Emits once if the caller cancels before the call is accepted or answered. */
  readonly cancelled$: Observable<void>;
}

export interface OutgoingSipCallRequest {
  readonly callId: string;
  /** Request-URI, e.g. `sip:1001@pbx.example.com`. */
  readonly to: string;
  /** An explicit SIP From; default: the account's address of record. */
  readonly from?: Party;
  /**
   * Who is calling as the other side knows them (an app user: `connectycube:12345`, with a display name).
   * Not a SIP identity: adapters may show it (From display name, a header) but must not use it as the From URI.
   */
  readonly caller?: Party;
  /** Account to send through (by name); default: the first account, else the trunk. */
  readonly account?: string;
  readonly media: SipMediaEndpoint;
  readonly kinds: MediaKinds;
  readonly headers?: Readonly<Record<string, string>>;
}
