// Fast readers for the start rules sip.js parses on every message (start line, Via, From, To, Call-ID, CSeq,
// Contact, Max-Forwards, Content-Type, Content-Length, Record-Route). Each returns exactly what
// `Grammar.parse(input, rule)` returns (same classes, fields, key order, numbers and lower-casing, including
// the grammar's leftovers), or undefined whenever the input is not one of the plain shapes it knows: then
// the caller asks the grammar. None ever claims an input is invalid.
import { NameAddrHeader, type URI } from 'sip.js';
import { digitsEnd, isDigit, isIn, REASON, runEnd, TOKEN, WORD } from './charClasses.ts';
import { ipv4End, readHost } from './readHost.ts';
import { type HeaderParam, quotedStringEnd, readHeaderParam } from './readHeaderParam.ts';
import { readSipUri } from './readSipUri.ts';

type FastRule = (input: string) => unknown;

/** Method literals of the grammar's `Method` choice (first match wins, so `INVITEX` is cut to `INVITE`). */
const methodLiterals = [
  'INVITE',
  'ACK',
  'VXACH',
  'OPTIONS',
  'BYE',
  'CANCEL',
  'REGISTER',
  'SUBSCRIBE',
  'NOTIFY',
  'REFER',
  'PUBLISH',
  'UPDATE',
];
const viaTransportLiterals = ['udp', 'tcp', 'tls', 'sctp'];
const mediaTypeLiterals = ['text', 'image', 'audio', 'video', 'application'];

/** True when a first-match literal of `literals` is a proper prefix of `value`: the grammar would stop short. */
function cutShort(value: string, literals: readonly string[]): boolean {
  return literals.some((literal) => value.length > literal.length && value.startsWith(literal));
}

/** A method token covering input[from, end) exactly as the grammar's `Method` reads it, or undefined. */
function readMethod(input: string, from: number, end: number): string | undefined {
  if (end === from || runEnd(input, from, TOKEN) !== end) return undefined;
  const method = input.slice(from, end);
  return cutShort(method, methodLiterals) ? undefined : method;
}

function isVersion(input: string, from: number, end: number): boolean {
  if (input.slice(from, from + 4).toUpperCase() !== 'SIP/') return false;
  const major = digitsEnd(input, from + 4);
  if (major === from + 4 || input.charCodeAt(major) !== 46 /* . */) return false;
  const minor = digitsEnd(input, major + 1);
  return minor > major + 1 && minor === end;
}

function requestResponse(input: string): unknown {
  if (input.slice(0, 3).toUpperCase() === 'SIP') return statusLine(input);
  const methodEnd = input.indexOf(' ');
  const method = readMethod(input, 0, methodEnd);
  if (method === undefined) return undefined;
  const read = readSipUri(input, methodEnd + 1, 'request-line');
  if (!read || !isVersion(input, read.end + 1, input.length)) return undefined;
  // Key order as the grammar's actions create them (see SipUriRead.password).
  const data: Record<string, unknown> = { method };
  if (read.password !== undefined) data.password = read.password;
  data.uri = read.uri;
  data.sip_version = input.slice(read.end + 1);
  return data;
}

function statusLine(input: string): unknown {
  const versionEnd = input.indexOf(' ');
  if (versionEnd < 0 || !isVersion(input, 0, versionEnd)) return undefined;
  const codeEnd = digitsEnd(input, versionEnd + 1);
  if (codeEnd !== versionEnd + 4 || input.charCodeAt(codeEnd) !== 32) return undefined;
  for (let at = codeEnd + 1; at < input.length; at++) {
    const code = input.charCodeAt(at);
    if (code < 128 && !isIn(code, REASON)) return undefined; // the rest is UTF8_NONASCII
  }
  return {
    sip_version: input.slice(0, versionEnd),
    status_code: Number.parseInt(input.slice(versionEnd + 1, codeEnd), 10),
    reason_phrase: input.slice(codeEnd + 1),
  };
}

function via(input: string): unknown {
  if (input.includes(',')) return undefined; // several via-parms: the grammar merges them, let it
  if (input.slice(0, 3).toUpperCase() !== 'SIP' || input.charCodeAt(3) !== 47 /* / */) return undefined;
  const versionEnd = runEnd(input, 4, TOKEN);
  if (versionEnd === 4 || input.charCodeAt(versionEnd) !== 47) return undefined;
  const transportEnd = runEnd(input, versionEnd + 1, TOKEN);
  if (transportEnd === versionEnd + 1 || input.charCodeAt(transportEnd) !== 32) return undefined;
  const transport = input.slice(versionEnd + 1, transportEnd);
  if (cutShort(transport.toLowerCase(), viaTransportLiterals)) return undefined;
  let hostStart = transportEnd + 1;
  while (input.charCodeAt(hostStart) === 32) hostStart++; // LWS, spaces only
  const host = readHost(input, hostStart);
  if (!host) return undefined;
  const data: Record<string, unknown> = {
    protocol: input.slice(0, 3),
    transport,
    host_type: host.type,
    host: host.host,
  };
  let at = host.end;
  if (input.charCodeAt(at) === 58 /* : */) {
    const portEnd = digitsEnd(input, at + 1);
    if (portEnd === at + 1 || portEnd > at + 6) return undefined;
    data.port = Number.parseInt(input.slice(at + 1, portEnd), 10);
    at = portEnd;
  }
  for (; at < input.length; ) {
    const param = input.charCodeAt(at) === 59 ? readHeaderParam(input, at) : undefined;
    if (!param) return undefined;
    at = param.end;
    const { name, value } = param;
    if (value === '') {
      if (name !== 'rport') return undefined;
      data.rport = '';
    } else if (value === undefined || !isSpecialViaParam(name)) {
      genericParam(data, param);
    } else if (param.quoted || name === 'ttl' || name === 'maddr') {
      return undefined;
    } else if (name === 'received') {
      if (ipv4End(value, 0) === value.length) {
        data.host_type = 'IPv4'; // the IPv4address action, before via_received's
        data.received = value;
      } else if (isDigit(value.charCodeAt(0))) {
        return undefined; // IPv4address would take a prefix of it
      } else {
        genericParam(data, param);
      }
    } else if (name === 'branch') {
      data.branch = value;
    } else {
      if (digitsEnd(value, 0) !== value.length) return undefined;
      data.rport = value;
    }
  }
  return data;
}

function isSpecialViaParam(name: string): boolean {
  return name === 'ttl' || name === 'maddr' || name === 'received' || name === 'branch' || name === 'rport';
}

/** The grammar's generic_param action: `params` created on first use, value or undefined. */
function genericParam(data: Record<string, unknown>, param: HeaderParam): void {
  data.params ??= {};
  (data.params as Record<string, string | undefined>)[param.name] = param.value;
}

interface AddressRead {
  readonly uri: URI;
  readonly displayName: string | undefined;
  readonly end: number;
}

/** `addr_spec / name_addr` as the grammar tries them; `nameAddrOnly` for Record-Route's `name_addr`. */
function readAddress(input: string, nameAddrOnly: boolean): AddressRead | undefined {
  const head = input.slice(0, 5).toLowerCase();
  if (head.startsWith('sip:') || head === 'sips:') {
    if (nameAddrOnly) return undefined;
    const read = readSipUri(input, 0, 'addr-spec');
    return read && { uri: read.uri, displayName: undefined, end: read.end };
  }
  let at = 0;
  let displayName: string | undefined;
  const first = input.charCodeAt(0);
  if (first === 34 /* " */) {
    const close = quotedStringEnd(input, 0);
    if (close < 0) return undefined;
    displayName = input.slice(1, close - 1);
    at = close;
  } else if (first !== 60 /* < */) {
    // token ( LWS token )*, spaces only
    let end = runEnd(input, 0, TOKEN);
    if (end === 0) return undefined;
    for (;;) {
      at = end;
      while (input.charCodeAt(at) === 32) at++;
      const next = runEnd(input, at, TOKEN);
      if (next === at) break;
      end = next;
    }
    displayName = input.slice(0, end);
  }
  while (input.charCodeAt(at) === 32) at++;
  if (input.charCodeAt(at) !== 60) return undefined;
  const read = readSipUri(input, at + 1, 'name-addr');
  if (!read) return undefined;
  return { uri: read.uri, displayName, end: read.end + 1 };
}

/** From and To: the address, `tag` apart (added last, as the grammar's action does), other params. */
function fromOrTo(input: string): unknown {
  const address = readAddress(input, false);
  if (!address) return undefined;
  const data: { params?: Record<string, string | undefined>; tag?: string } = {};
  for (let at = address.end; at < input.length; ) {
    const param = input.charCodeAt(at) === 59 ? readHeaderParam(input, at) : undefined;
    if (!param || param.value === '') return undefined;
    at = param.end;
    if (param.name === 'tag' && param.value !== undefined && !param.quoted) data.tag = param.value;
    else genericParam(data, param);
  }
  const header = new NameAddrHeader(address.uri, address.displayName as string, data.params as never);
  if (data.tag) header.setParam('tag', data.tag);
  return header;
}

/** Contact and Record-Route, one value only (no `*`, no commas): `[{ position, offset, parsed }]`. */
function singleAddressList(input: string, nameAddrOnly: boolean): unknown {
  // Contact's STAR alternative comes first (and `*` is also a token char a display name could start with).
  if (input.includes(',') || input.startsWith('*')) return undefined;
  const address = readAddress(input, nameAddrOnly);
  if (!address) return undefined;
  const params: Record<string, string | number | undefined> = {};
  for (let at = address.end; at < input.length; ) {
    const param = input.charCodeAt(at) === 59 ? readHeaderParam(input, at) : undefined;
    if (!param || param.value === '') return undefined;
    at = param.end;
    const { name, value } = param;
    if (nameAddrOnly || value === undefined || param.quoted) params[name] = value;
    else if (name === 'q' && value.startsWith('0')) {
      // c_p_q: qvalue = "0" ( "." 0*3DIGIT )?, parseFloat
      if (!/^0(\.\d{0,3})?$/.test(value)) return undefined;
      params.q = Number.parseFloat(value);
    } else if (name === 'expires' && digitsEnd(value, 0) > 0) {
      if (digitsEnd(value, 0) !== value.length) return undefined;
      params.expires = Number.parseInt(value, 10);
    } else params[name] = value;
  }
  // The grammar passes undefined when there is no parameter; Parameters reads both alike.
  const parsed = new NameAddrHeader(address.uri, address.displayName as string, params as never);
  return [{ position: input.length, offset: 0, parsed }];
}

function callId(input: string): unknown {
  const first = runEnd(input, 0, WORD);
  if (first === 0) return undefined;
  if (first === input.length) return input;
  if (input.charCodeAt(first) !== 64 /* @ */) return undefined;
  const second = runEnd(input, first + 1, WORD);
  return second > first + 1 && second === input.length ? input : undefined;
}

function cseq(input: string): unknown {
  const valueEnd = digitsEnd(input, 0);
  if (valueEnd === 0 || input.charCodeAt(valueEnd) !== 32) return undefined;
  const method = readMethod(input, valueEnd + 1, input.length);
  if (method === undefined) return undefined;
  return { value: Number.parseInt(input.slice(0, valueEnd), 10), method };
}

function digitsOnly(input: string): unknown {
  return input.length > 0 && digitsEnd(input, 0) === input.length ? Number.parseInt(input, 10) : undefined;
}

function contentType(input: string): unknown {
  const typeEnd = runEnd(input, 0, TOKEN);
  if (typeEnd === 0 || input.charCodeAt(typeEnd) !== 47 /* / */) return undefined;
  if (cutShort(input.slice(0, typeEnd).toLowerCase(), mediaTypeLiterals)) return undefined;
  const subtypeEnd = runEnd(input, typeEnd + 1, TOKEN);
  return subtypeEnd > typeEnd + 1 && subtypeEnd === input.length ? input : undefined;
}

/** Start rule → fast reader. A Map, so that a rule named like an Object.prototype key finds nothing. */
export const fastRules: ReadonlyMap<string, FastRule> = new Map<string, FastRule>([
  ['Request_Response', requestResponse],
  ['Via', via],
  ['From', fromOrTo],
  ['To', fromOrTo],
  ['Contact', (input) => singleAddressList(input, false)],
  ['Record_Route', (input) => singleAddressList(input, true)],
  ['Call_ID', callId],
  ['CSeq', cseq],
  ['Max_Forwards', digitsOnly],
  ['Content_Length', digitsOnly],
  ['Content_Type', contentType],
]);
