// A light, defensive reader of raw SIP messages for the transport layer: enough to route, retransmit
// and validate before sip.js parses the message for real. It never throws on bad input.

/** RFC 3261 §7.3.3 compact header names. */
const compactNames: Readonly<Record<string, string>> = {
  v: 'via',
  f: 'from',
  t: 'to',
  i: 'call-id',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
  s: 'subject',
  e: 'content-encoding',
  o: 'event',
  r: 'refer-to',
  x: 'session-expires',
};

export interface SipHeader {
  /** Lower-case long form (`via`, `call-id`). */
  readonly name: string;
  readonly value: string;
}

export interface SipWireMessage {
  readonly startLine: string;
  /** Set for requests. */
  readonly method: string | undefined;
  readonly requestUri: string | undefined;
  /** Set for responses. */
  readonly status: number | undefined;
  readonly headers: readonly SipHeader[];
  /** Raw header section (start line excluded), as received. */
  readonly headSection: string;
  readonly body: string;
  /** False when no empty line ends the header section (a truncated datagram). */
  readonly complete: boolean;
}

const requestLine = /^([A-Za-z!%*_+`'~.-]+) (\S+) SIP\/2\.0$/;
const statusLine = /^SIP\/2\.0 ([1-6]\d\d) [^\r\n]*$/;

export function parseWireMessage(raw: string): SipWireMessage | undefined {
  let split = raw.indexOf('\r\n\r\n');
  let separatorLength = 4;
  if (split < 0) {
    split = raw.indexOf('\n\n');
    separatorLength = 2;
  }
  const complete = split >= 0;
  const head = complete ? raw.slice(0, split) : raw;
  const body = complete ? raw.slice(split + separatorLength) : '';
  const lines = head.split(/\r?\n/);
  const startLine = (lines.shift() ?? '').trim();
  const request = requestLine.exec(startLine);
  const response = request ? null : statusLine.exec(startLine);
  if (!request && !response) return undefined;
  const headers: SipHeader[] = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      // Header folding (RFC 3261 §7.3.1): a continuation line belongs to the previous header.
      const last = headers.pop() as SipHeader;
      headers.push({ name: last.name, value: `${last.value} ${line.trim()}` });
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const rawName = line.slice(0, colon).trim().toLowerCase();
    if (!/^[a-z0-9!%*_+`'~.-]+$/.test(rawName)) return undefined;
    headers.push({ name: compactNames[rawName] ?? rawName, value: line.slice(colon + 1).trim() });
  }
  return {
    startLine,
    method: request?.[1],
    requestUri: request?.[2],
    status: response ? Number(response[1]) : undefined,
    headers,
    headSection: lines.join('\r\n'),
    body,
    complete,
  };
}

export function headerValues(message: SipWireMessage, name: string): string[] {
  return message.headers.filter((header) => header.name === name).map((header) => header.value);
}

export function firstHeader(message: SipWireMessage, name: string): string | undefined {
  return message.headers.find((header) => header.name === name)?.value;
}

/** Splits a header value on commas that are outside quotes and angle brackets (Via, Route, Record-Route lists). */
export function splitHeaderList(value: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let index = 0; index < value.length; index++) {
    const char = value[index];
    if (char === '"' && value[index - 1] !== '\\') quoted = !quoted;
    else if (!quoted && char === '<') depth++;
    else if (!quoted && char === '>') depth--;
    else if (!quoted && depth === 0 && char === ',') {
      parts.push(value.slice(start, index).trim());
      start = index + 1;
    }
  }
  parts.push(value.slice(start).trim());
  return parts.filter((part) => part.length > 0);
}

export interface ViaValue {
  readonly transport: string;
  readonly host: string;
  readonly port: number | undefined;
  readonly params: ReadonlyMap<string, string>;
}

const viaPattern =
  /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+(\[[0-9a-fA-F:.]+\]|[^\s;:]+)(?::(\d{1,5}))?\s*((?:;[^;]*)*)$/;

export function parseVia(value: string): ViaValue | undefined {
  const match = viaPattern.exec(value.trim());
  if (!match) return undefined;
  const params = new Map<string, string>();
  for (const param of (match[4] ?? '').split(';').slice(1)) {
    const [key = '', paramValue = ''] = param.split('=', 2);
    params.set(key.trim().toLowerCase(), paramValue.trim());
  }
  const port = match[3] === undefined ? undefined : Number(match[3]);
  if (port !== undefined && (port === 0 || port > 65535)) return undefined;
  return {
    transport: (match[1] as string).toUpperCase(),
    host: (match[2] as string).replace(/^\[|\]$/g, ''),
    port,
    params,
  };
}

/** The top-most Via of a message (first value of the first Via header). */
export function topVia(message: SipWireMessage): ViaValue | undefined {
  const first = firstHeader(message, 'via');
  const value = first === undefined ? undefined : splitHeaderList(first)[0];
  return value === undefined ? undefined : parseVia(value);
}

export interface CSeqValue {
  readonly sequence: number;
  readonly method: string;
}

export function parseCSeq(message: SipWireMessage): CSeqValue | undefined {
  const match = /^(\d{1,10})\s+([A-Za-z!%*_+`'~.-]+)$/.exec(firstHeader(message, 'cseq') ?? '');
  if (!match) return undefined;
  const sequence = Number(match[1]);
  // RFC 3261 §8.1.1.5: the sequence number must fit in 32 bits (and be below 2**31 when chosen).
  if (sequence >= 2 ** 32) return undefined;
  return { sequence, method: (match[2] as string).toUpperCase() };
}

export interface SipUriTarget {
  /** `sips:` asks for TLS on every hop (RFC 3261 §19.1, §26.2.2). */
  readonly secure: boolean;
  readonly host: string;
  readonly port: number | undefined;
  readonly params: ReadonlyMap<string, string>;
}

/** Host, port and parameters of a `sip:`/`sips:` URI, optionally inside `<...>` with a display name. */
export function parseUriTarget(value: string): SipUriTarget | undefined {
  const inner = /<([^>]*)>/.exec(value)?.[1] ?? value.trim();
  const match = /^(sips?):(?:[^@;]*@)?(\[[0-9a-fA-F:.]+\]|[^;:?>]+)(?::(\d{1,5}))?([^?]*)/i.exec(inner);
  if (!match) return undefined;
  const params = new Map<string, string>();
  for (const param of (match[4] ?? '').split(';').slice(1)) {
    const [key = '', paramValue = ''] = param.split('=', 2);
    params.set(key.trim().toLowerCase(), paramValue.trim());
  }
  return {
    secure: (match[1] as string).toLowerCase() === 'sips',
    host: (match[2] as string).replace(/^\[|\]$/g, ''),
    port: match[3] === undefined ? undefined : Number(match[3]),
    params,
  };
}
