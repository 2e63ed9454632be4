// Checks every incoming message before sip.js sees it: a malformed request gets 400 (or 513 when too
// large) when it can be answered, and anything else bad is dropped, so no peer can crash the process.
import { Core } from 'sip.js';
import {
  firstHeader,
  headerValues,
  parseCSeq,
  parseWireMessage,
  type SipWireMessage,
  splitHeaderList,
  topVia,
} from './SipWireMessage.ts';

export interface MessageLimits {
  /** Whole message, in bytes. Larger ones are refused with 513 (or dropped). Default 65535. */
  readonly maxMessageBytes: number;
  /** Header section, in bytes. Default 16384. */
  readonly maxHeaderBytes: number;
  /** Number of header lines. Default 128. */
  readonly maxHeaders: number;
}

export const defaultMessageLimits: MessageLimits = {
  maxMessageBytes: 65_535,
  maxHeaderBytes: 16_384,
  maxHeaders: 128,
};

export type GuardVerdict =
  | { readonly kind: 'accept'; readonly message: SipWireMessage; readonly text: string }
  | { readonly kind: 'reply'; readonly status: 400 | 513; readonly reason: string; readonly response: string }
  | { readonly kind: 'drop'; readonly reason: string };

const mandatoryHeaders = ['via', 'from', 'to', 'call-id', 'cseq'] as const;
const silentLogger = { debug() {}, log() {}, warn() {}, error() {} };

/** `message`: `raw` already read by `parseWireMessage`, when the caller has it. */
export function inspectMessage(
  raw: Buffer,
  limits: MessageLimits,
  message: SipWireMessage | undefined = parseWireMessage(raw.toString('utf8')),
): GuardVerdict {
  if (!message) return { kind: 'drop', reason: 'no SIP start line or unreadable header' };
  const refuse = (status: 400 | 513, reason: string): GuardVerdict => {
    const response =
      message.method === undefined || message.method === 'ACK'
        ? undefined
        : statelessResponse(message, status, reason);
    return response === undefined ? { kind: 'drop', reason } : { kind: 'reply', status, reason, response };
  };
  if (raw.length > limits.maxMessageBytes) return refuse(513, 'Message Too Large');
  if (
    Buffer.byteLength(message.headSection) > limits.maxHeaderBytes ||
    message.headers.length > limits.maxHeaders
  ) {
    return refuse(513, 'Message Too Large');
  }
  if (!message.complete) return refuse(400, 'Bad Request (truncated)');
  for (const name of mandatoryHeaders) {
    if (headerValues(message, name).length === 0) return refuse(400, `Bad Request (missing ${name})`);
  }
  if (!topVia(message)) return refuse(400, 'Bad Request (Via)');
  const cseq = parseCSeq(message);
  if (!cseq) return refuse(400, 'Bad Request (CSeq)');
  if (message.method !== undefined && cseq.method !== message.method.toUpperCase()) {
    return refuse(400, 'Bad Request (CSeq method)');
  }
  let body = message.body;
  const contentLength = firstHeader(message, 'content-length');
  if (contentLength !== undefined) {
    if (!/^\d{1,9}$/.test(contentLength)) return refuse(400, 'Bad Request (Content-Length)');
    const declared = Number(contentLength);
    const actual = Buffer.byteLength(body);
    if (actual < declared) return refuse(400, 'Bad Request (Content-Length)');
    // RFC 3261 §18.3: over datagrams, bytes past Content-Length are discarded.
    if (actual > declared) body = Buffer.from(body).subarray(0, declared).toString('utf8');
  }
  const contentType = firstHeader(message, 'content-type')?.toLowerCase() ?? '';
  if (message.method !== undefined && contentType.startsWith('application/sdp') && !looksLikeSdp(body)) {
    return refuse(400, 'Bad Request (SDP)');
  }
  const rebuilt = `${message.startLine}\r\n${message.headSection}\r\n\r\n${body}`;
  // sip.js drops what its grammar rejects; we answer it instead, so the peer learns why.
  if (!Core.Parser.parseMessage(rebuilt, silentLogger as unknown as Core.Logger))
    return refuse(400, 'Bad Request');
  return { kind: 'accept', message, text: rebuilt };
}

/** The least an SDP offer or answer must have before a media endpoint sees it. */
function looksLikeSdp(body: string): boolean {
  const lines = body.split(/\r?\n/).filter((line) => line.length > 0);
  if (lines[0]?.trim() !== 'v=0') return false;
  if (!lines.every((line) => /^[a-z]=/.test(line))) return false;
  const media = lines.filter((line) => line.startsWith('m='));
  if (media.length === 0) return false;
  return media.every((line) => /^m=[a-z]+ \d{1,5}(\/\d+)? [A-Za-z/]+( \S+)+$/.test(line.trim()));
}

/** A response built from the request's own headers (RFC 3261 §8.2.6), without any transaction state. */
export function statelessResponse(
  message: SipWireMessage,
  status: number,
  reason: string,
  extraHeaders: readonly string[] = [],
): string | undefined {
  const vias = headerValues(message, 'via');
  if (vias.length === 0 || !topVia(message)) return undefined;
  const copy = (name: string, label: string): string[] =>
    headerValues(message, name).map((value) => `${label}: ${value}`);
  const to = firstHeader(message, 'to');
  const toWithTag =
    to === undefined ? undefined : /;\s*tag=/i.test(to) ? to : `${to};tag=cb${Date.now().toString(36)}`;
  const lines = [
    `SIP/2.0 ${status} ${reason}`,
    ...vias.flatMap((value) => splitHeaderList(value)).map((value) => `Via: ${value}`),
    ...copy('from', 'From'),
    ...(toWithTag === undefined ? [] : [`To: ${toWithTag}`]),
    ...copy('call-id', 'Call-ID'),
    ...copy('cseq', 'CSeq'),
    ...extraHeaders,
    'Content-Length: 0',
    '',
    '',
  ];
  return lines.join('\r\n');
}
