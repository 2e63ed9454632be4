// Just enough SDP (RFC 4566) for the SIP leg: parse a phone's offer or answer, and write ours (RFC 3264 rules live in SipLeg).

import { type CodecDescription, staticPayloadTypes } from '@cubebridge/codecs';
import { SdpParseError } from '../errors.ts';

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdesCrypto {
  readonly tag: number;
  readonly suite: string;
  /** The whole key-params field (`inline:<base64>[|lifetime][|MKI:len]`). */
  readonly keyParams: string;
}

export interface SdpMedia {
  readonly kind: string;
  readonly port: number;
  readonly proto: string;
  /** Payload types in the m= line's order (the offerer's preference). */
  readonly formats: readonly number[];
  readonly codecs: readonly CodecDescription[];
  /** Connection address for this section (media-level c= or the session's). */
  readonly address: string;
  readonly direction: Direction;
  readonly ptime: number | undefined;
  readonly rtcpPort: number | undefined;
  readonly rtcpAddress: string | undefined;
  readonly rtcpMux: boolean;
  readonly crypto: readonly SdesCrypto[];
}

export interface SessionDescription {
  readonly sessionId: string;
  readonly sessionVersion: number;
  readonly media: readonly SdpMedia[];
}

const DIRECTIONS = new Set<string>(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

export function parseSdp(text: string): SessionDescription {
  const lines = text.split(/\r?\n/).filter((line) => line.length > 0);
  let sessionId = '0';
  let sessionVersion = 0;
  let sessionAddress = '';
  let sessionDirection: Direction = 'sendrecv';
  const sections: { header: string; lines: string[] }[] = [];
  for (const line of lines) {
    if (line.startsWith('m=')) {
      sections.push({ header: line, lines: [] });
    } else if (sections.length > 0) {
      sections[sections.length - 1]?.lines.push(line);
    } else if (line.startsWith('o=')) {
      const parts = line.slice(2).split(' ');
      sessionId = parts[1] ?? '0';
      sessionVersion = Number(parts[2] ?? 0);
    } else if (line.startsWith('c=')) {
      sessionAddress = connectionAddress(line);
    } else if (line.startsWith('a=') && DIRECTIONS.has(line.slice(2))) {
      sessionDirection = line.slice(2) as Direction;
    }
  }
  if (!lines[0]?.startsWith('v=0')) throw new SdpParseError('SDP must start with v=0');
  return {
    sessionId,
    sessionVersion,
    media: sections.map((section) =>
      parseMedia(section.header, section.lines, sessionAddress, sessionDirection),
    ),
  };
}

function connectionAddress(line: string): string {
  // c=IN IP4 192.0.2.1[/ttl]
  const address = line.slice(2).split(' ')[2];
  if (!address) throw new SdpParseError(`bad connection line "${line}"`);
  return address.split('/')[0] as string;
}

function parseMedia(
  header: string,
  lines: string[],
  sessionAddress: string,
  sessionDirection: Direction,
): SdpMedia {
  const [kind, port, proto, ...formats] = header.slice(2).split(' ');
  if (!kind || port === undefined || !proto) throw new SdpParseError(`bad media line "${header}"`);
  let address = sessionAddress;
  let direction = sessionDirection;
  let ptime: number | undefined;
  let rtcpPort: number | undefined;
  let rtcpAddress: string | undefined;
  let rtcpMux = false;
  const rtpmap = new Map<number, { name: string; clockRate: number; channels: number }>();
  const fmtp = new Map<number, string>();
  const crypto: SdesCrypto[] = [];
  for (const line of lines) {
    if (line.startsWith('c=')) address = connectionAddress(line);
    if (!line.startsWith('a=')) continue;
    const attribute = line.slice(2);
    const colon = attribute.indexOf(':');
    const name = colon < 0 ? attribute : attribute.slice(0, colon);
    const value = colon < 0 ? '' : attribute.slice(colon + 1);
    if (DIRECTIONS.has(name)) direction = name as Direction;
    else if (name === 'rtpmap') {
      const match = /^(\d+) ([^/]+)\/(\d+)(?:\/(\d+))?/.exec(value);
      if (match)
        rtpmap.set(Number(match[1]), {
          name: match[2] as string,
          clockRate: Number(match[3]),
          channels: Number(match[4] ?? 1),
        });
    } else if (name === 'fmtp') {
      const space = value.indexOf(' ');
      if (space > 0) fmtp.set(Number(value.slice(0, space)), value.slice(space + 1));
    } else if (name === 'ptime') ptime = Number(value);
    else if (name === 'rtcp') {
      const [rtcp, , , rtcpAddr] = value.split(' ');
      rtcpPort = Number(rtcp);
      rtcpAddress = rtcpAddr;
    } else if (name === 'rtcp-mux') rtcpMux = true;
    else if (name === 'crypto') {
      const [tag, suite, keyParams] = value.split(' ');
      if (tag && suite && keyParams) crypto.push({ tag: Number(tag), suite, keyParams });
    }
  }
  const payloadTypes = formats.map(Number).filter((pt) => Number.isInteger(pt));
  const codecs: CodecDescription[] = [];
  for (const payloadType of payloadTypes) {
    const mapped = rtpmap.get(payloadType);
    const known = mapped ? { payloadType, ...mapped } : staticPayloadTypes.get(payloadType);
    if (!known) continue;
    const parameters = fmtp.get(payloadType);
    codecs.push(parameters === undefined ? known : { ...known, fmtp: parameters });
  }
  return {
    kind,
    port: Number(port),
    proto,
    formats: payloadTypes,
    codecs,
    address,
    direction,
    ptime,
    rtcpPort,
    rtcpAddress,
    rtcpMux,
    crypto,
  };
}

export interface MediaToWrite {
  readonly kind: string;
  readonly port: number;
  readonly proto: string;
  readonly codecs: readonly CodecDescription[];
  /** For a rejected section (port 0) we echo the offer's formats. */
  readonly formats?: readonly number[];
  readonly direction: Direction;
  readonly ptime?: number;
  readonly rtcpPort?: number;
  readonly crypto?: readonly SdesCrypto[];
  /** Further attribute lines (without `a=`), e.g. `rtcp-fb:* nack pli`. */
  readonly attributes?: readonly string[];
}

export function writeSdp(
  session: { sessionId: string; sessionVersion: number; address: string },
  media: readonly MediaToWrite[],
): string {
  const family = session.address.includes(':') ? 'IP6' : 'IP4';
  const lines = [
    'v=0',
    `o=- ${session.sessionId} ${session.sessionVersion} IN ${family} ${session.address}`,
    's=CubeBridge',
    `c=IN ${family} ${session.address}`,
    't=0 0',
  ];
  for (const section of media) {
    const formats =
      section.port === 0 && section.formats
        ? section.formats
        : section.codecs.map((codec) => codec.payloadType);
    lines.push(`m=${section.kind} ${section.port} ${section.proto} ${formats.join(' ')}`);
    if (section.port === 0) continue;
    for (const codec of section.codecs) {
      lines.push(
        `a=rtpmap:${codec.payloadType} ${codec.name}/${codec.clockRate}${codec.channels > 1 ? `/${codec.channels}` : ''}`,
      );
      if (codec.fmtp) lines.push(`a=fmtp:${codec.payloadType} ${codec.fmtp}`);
    }
    if (section.ptime) lines.push(`a=ptime:${section.ptime}`);
    if (section.rtcpPort) lines.push(`a=rtcp:${section.rtcpPort}`);
    for (const crypto of section.crypto ?? [])
      lines.push(`a=crypto:${crypto.tag} ${crypto.suite} ${crypto.keyParams}`);
    for (const attribute of section.attributes ?? []) lines.push(`a=${attribute}`);
    lines.push(`a=${section.direction}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}
