// Inputs for the fast grammar's differential test: the SIP messages of our sipp scenarios (keywords written in
// with plausible values), messages captured from real peers (fixtures/captured-sip-messages.json), generated
// header values, and mutations of all of them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sippScenarioDir } from '../../../test/harness/sip/sipp.ts';

/** What sipp would write for its keywords, for one kind of local address. */
interface SippAddressing {
  readonly localIp: string;
  readonly ipType: '4' | '6';
  readonly transport: 'UDP' | 'TCP';
}

export const sippAddressings: readonly SippAddressing[] = [
  { localIp: '127.0.0.1', ipType: '4', transport: 'UDP' },
  { localIp: '[::1]', ipType: '6', transport: 'UDP' },
  { localIp: 'sipp.example.net', ipType: '4', transport: 'TCP' },
];

/** Every message that a scenario's `<send>` blocks put on the wire, for one addressing. */
export function sippScenarioMessages(
  addressing: SippAddressing,
): Array<{ scenario: string; message: string }> {
  const out: Array<{ scenario: string; message: string }> = [];
  for (const scenario of readdirSync(sippScenarioDir)
    .filter((name) => name.endsWith('.xml'))
    .sort()) {
    const xml = readFileSync(join(sippScenarioDir, scenario), 'utf8');
    const sends = [...xml.matchAll(/<send[^>]*>\s*<!\[CDATA\[([\s\S]*?)\]\]>/g)].map((match) => match[1]!);
    sends.forEach((block, index) => {
      out.push({ scenario, message: sippMessage(block, addressing, index + 1) });
    });
  }
  return out;
}

function sippMessage(
  block: string,
  { localIp, ipType, transport }: SippAddressing,
  callNumber: number,
): string {
  const gatewayUri = `sip:cubebridge@127.0.0.1:5070;transport=${transport.toLowerCase()}`;
  const values: Record<string, string> = {
    '[service]': 'cubebridge',
    '[remote_ip]': '127.0.0.1',
    '[remote_port]': '5070',
    '[transport]': transport,
    '[local_ip]': localIp,
    '[local_port]': '5062',
    '[local_ip_type]': ipType,
    '[media_ip]': localIp.replace(/[[\]]/g, ''),
    '[media_ip_type]': ipType,
    '[media_port]': '6000',
    '[media_port+2]': '6002',
    '[pid]': '23686',
    '[call_number]': String(callNumber),
    '[call_id]': `${callNumber}-23686@${localIp}`,
    '[branch]': `z9hG4bK-23686-${callNumber}-0`,
    '[branch-3]': `z9hG4bK-23686-${callNumber}-3`,
    '[branch-4]': `z9hG4bK-23686-${callNumber}-4`,
    '[branch-7]': `z9hG4bK-23686-${callNumber}-7`,
    '[peer_tag_param]': ';tag=9pc47jv5fi',
    '[routes]': '',
    '[next_url]': gatewayUri,
    '[last_Via:]': `Via: SIP/2.0/${transport} 127.0.0.1:5070;rport=5070;branch=z9hG4bK2417437`,
    '[last_From:]': 'From: "CubeBridge" <sip:cubebridge@127.0.0.1>;tag=k5v3lh0mbu',
    '[last_To:]': `To: <sip:sipp@${localIp}:5062>`,
    '[last_Call-ID:]': 'Call-ID: ebr8a1tc6j0l9q1m8l2v',
    '[last_CSeq:]': 'CSeq: 1 INVITE',
    // sipp variables a scenario captured (`<ereg assign_to=…>`) from what the gateway sent.
    '[$via]': `SIP/2.0/${transport} 127.0.0.1:5070;rport=5070;branch=z9hG4bK2417437`,
    '[$from]': '"CubeBridge" <sip:cubebridge@127.0.0.1>;tag=k5v3lh0mbu',
    '[$to]': `<sip:sipp@${localIp}:5062>`,
    '[$cseq]': '1',
    '[$contact]': gatewayUri,
    '[$rseq]': '4711',
    '{{code}}': '486',
    '{{asked}}': '1800',
  };
  let text = block.replace(
    /\[authentication[^\]]*\]/g,
    'Authorization: Digest username="trunk",realm="cubebridge",nonce="abc",uri="sip:cubebridge@127.0.0.1",response="0123456789abcdef0123456789abcdef",algorithm=MD5',
  );
  for (const [keyword, value] of Object.entries(values)) text = text.replaceAll(keyword, value);
  const unknown = /\[\$\w+\]/.exec(text);
  if (unknown)
    throw new Error(`grammarCorpus: give the sipp variable ${unknown[0]} a value in sippMessage()`);
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line, index, all) => index > 0 || line !== '' || all.length === 1);
  while (lines[0] === '') lines.shift();
  const blank = lines.indexOf('');
  const head = (blank < 0 ? lines : lines.slice(0, blank)).filter((line) => line !== '');
  const body =
    blank < 0
      ? ''
      : `${lines
          .slice(blank + 1)
          .join('\r\n')
          .trim()}\r\n`;
  const bodyText = body === '\r\n' ? '' : body;
  const headers = head.map((line) =>
    line.startsWith('Content-Length:') ? `Content-Length: ${Buffer.byteLength(bodyText)}` : line,
  );
  return `${headers.join('\r\n')}\r\n\r\n${bodyText}`;
}

/** Messages captured from the adapter's test runs against baresip, Kamailio and sipp. */
export function capturedMessages(): string[] {
  const file = new URL('./fixtures/captured-sip-messages.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { messages: string[] }).messages;
}

/** Small deterministic PRNG (mulberry32), so a failing case can be reproduced from the seed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const pick = <T>(next: Random, items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
const maybe = (next: Random, probability: number): boolean => next() < probability;

function shuffle<T>(next: Random, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Upper- or lower-cases some letters at random. */
function recase(next: Random, text: string): string {
  if (!maybe(next, 0.3)) return text;
  return [...text].map((char) => (maybe(next, 0.5) ? char.toUpperCase() : char.toLowerCase())).join('');
}

function someOf(next: Random, items: readonly string[], max: number): string[] {
  const count = Math.floor(next() * (max + 1));
  return shuffle(next, items).slice(0, count);
}

const ipv4s = [
  '127.0.0.1',
  '10.0.0.254',
  '192.168.1.100',
  '0.0.0.0',
  '255.255.255.255',
  '8.8.8.8',
  '1.2.3.4',
];
const oddIpv4s = ['01.2.3.4', '256.1.1.1', '1.2.3', '1.2.3.4.5', '1.2.3.4a', '1.2.3.04'];
const hostnames = [
  'example.com',
  'sip.example.com',
  'Gateway.EXAMPLE.org',
  'host-1.a1.example',
  'localhost',
  'cb8fc97bf5438a.invalid',
  'x',
  'a_b.example.com',
  '123.example.com',
  'pbx.local',
];
const oddHostnames = [
  'example.com.',
  'exa_mple',
  'example.1com',
  '-host.example',
  'host..example',
  'ex%41mple.com',
];
const ipv6s = ['[::1]', '[2001:db8::1]', '[fe80::1:2:3:4]', '[2001:db8:0:0:0:0:0:1]', '[::ffff:1.2.3.4]'];

function host(next: Random): string {
  const roll = next();
  if (roll < 0.35) return pick(next, ipv4s);
  if (roll < 0.75) return recase(next, pick(next, hostnames));
  if (roll < 0.88) return pick(next, ipv6s);
  return pick(next, [...oddIpv4s, ...oddHostnames]);
}

function port(next: Random): string {
  return pick(next, ['', '', '', ':5060', ':5062', ':0', ':65535', ':1', ':99999', ':123456', ':', ':05060']);
}

const users = [
  'alice',
  'bob',
  '+4930123456',
  '1001',
  'bob.smith',
  'user_name-1',
  "o'hara",
  'a;b=c',
  'cubebridge',
];
const oddUsers = ['alice:secret', '%41lice', 'al%ice', 'a@b', 'alice:', 'a?b', 'a,b', 'a&b'];

function user(next: Random): string {
  const roll = next();
  if (roll < 0.25) return '';
  if (roll < 0.9) return `${pick(next, users)}@`;
  return `${pick(next, oddUsers)}@`;
}

const uriParams = [
  ';transport=udp',
  ';transport=TCP',
  ';transport=tls',
  ';transport=ws',
  ';transport=WSS',
  ';transport=sctp',
  ';lr',
  ';LR',
  ';lr=on',
  ';user=phone',
  ';user=IP',
  ';ob',
  ';x=y',
  ';X-Foo=Bar',
  ';a=b:c',
  ';gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
  ';rinstance=5f3c2a1b',
  ';transport',
];
const oddUriParams = [
  ';transport=udpx',
  ';user=iphone',
  ';lrx',
  ';lr=',
  ';maddr=1.2.3.4',
  ';ttl=5',
  ';method=INVITE',
  ';e=',
  ';=x',
  ';',
  ';x=a%20b',
  ';transport=ud`p',
  '?Subject=hello',
  '?a=b&c=d',
];

function uri(next: Random, withParams: boolean): string {
  const scheme = pick(next, ['sip', 'sip', 'sip', 'SIP', 'sips', 'Sip', 'tel', 'sipx']);
  if (scheme === 'tel') return 'tel:+4930123456';
  const params = withParams ? someOf(next, uriParams, 3) : [];
  if (withParams && maybe(next, 0.15)) params.push(pick(next, oddUriParams));
  return `${scheme}:${user(next)}${host(next)}${port(next)}${params.map((param) => recase(next, param)).join('')}`;
}

const displayNames = [
  'Alice',
  'Alice Smith',
  'Alice  Smith',
  '"Alice Smith"',
  '""',
  '"Smith, John"',
  '"Ünïcödé 名前"',
  'sipp',
  'sips',
  '"<sip:trick@example.com>"',
  "Mr.O'Hara",
  '"  spaced  "',
];
const oddDisplayNames = [
  '"A\\"b"',
  '"unclosed',
  'Al"ice',
  '"tab\there"',
  'Alice\tSmith',
  ' Alice',
  '%41lice',
];

function nameAddr(next: Random): string {
  const roll = next();
  if (roll < 0.2) return uri(next, false);
  const name = roll < 0.45 ? '' : roll < 0.93 ? pick(next, displayNames) : pick(next, oddDisplayNames);
  const gap = name === '' ? '' : pick(next, [' ', ' ', '', '  ']);
  return `${name}${gap}<${uri(next, true)}>`;
}

const headerParams = [
  ';x=y',
  ';X',
  ';foo=BAR',
  ';+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"',
  ';reg-id=1',
  ';+sip.ice',
  ';received=1.2.3.4',
  ';p="quoted value"',
  ';ftag=abc123',
];
const oddHeaderParams = [
  ';e=',
  ';=v',
  ';x=a"b',
  ' ;x=y',
  '; x=y',
  ';x = y',
  ';x=y ',
  ';x="a\\"b"',
  ';x="open',
  ',',
];

function headerParamList(next: Random, special: readonly string[]): string {
  const params = someOf(next, [...headerParams, ...special], 4);
  if (maybe(next, 0.12)) params.push(pick(next, oddHeaderParams));
  return shuffle(next, params)
    .map((param) => recase(next, param))
    .join('');
}

const tagParams = [';tag=abc', ';tag=23686SIPpTag001', ';TAG=Xy-9', ';tag', ';tag="q"', ';tag=a.b!c'];
const contactParams = [
  ';expires=60',
  ';expires=0',
  ';EXPIRES=3600',
  ';q=0.5',
  ';q=0',
  ';q=0.',
  ';q=0.123',
  ';q=1',
  ';q=1.0',
  ';q',
  ';q=0.1234',
  ';expires=6a',
  ';expires',
  ';expires="60"',
  ';q="0.5"',
];

const viaParams = [
  ';branch=z9hG4bK776asdhds',
  ';branch=z9hG4bK-23686-1-0',
  ';BRANCH=z9hG4bKabc',
  ';rport',
  ';rport=',
  ';rport=5060',
  ';received=1.2.3.4',
  ';received=127.0.0.1',
  ';alias',
  ';keep',
  ';comp=sigcomp',
  ';x=y',
  ';branch',
  ';received',
];
const oddViaParams = [
  ';rport=12a',
  ';received=host.example.com',
  ';received=01.2.3.4',
  ';received=1.2.3.4x',
  ';received=[::1]',
  ';ttl=5',
  ';maddr=224.2.0.1',
  ';branch="quoted"',
  ';received="1.2.3.4"',
];

function via(next: Random): string {
  const protocol = pick(next, ['SIP', 'SIP', 'sip', 'Sip', 'SIPX', 'XIP']);
  const version = pick(next, ['2.0', '2.0', '2.0', '3', '2.0a']);
  const transport = recase(
    next,
    pick(next, ['UDP', 'UDP', 'TCP', 'TLS', 'WS', 'WSS', 'SCTP', 'UDPX', 'TCPS']),
  );
  const space = pick(next, [' ', ' ', ' ', '  ', '\t']);
  const params = someOf(next, viaParams, 4);
  if (maybe(next, 0.2)) params.push(pick(next, oddViaParams));
  const value = `${protocol}/${version}/${transport}${space}${host(next)}${port(next)}${shuffle(next, params)
    .map((param) => recase(next, param))
    .join('')}`;
  return maybe(next, 0.05) ? `${value}, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx` : value;
}

const methods = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'INFO', 'UPDATE', 'PRACK', 'MESSAGE', 'REFER'];
const oddMethods = [
  'NOTIFY',
  'SUBSCRIBE',
  'REGISTER',
  'PUBLISH',
  'INVITEX',
  'invite',
  'ACKNOWLEDGE',
  'BYE2',
  'SIPX',
];
const reasons = [
  'OK',
  'Trying',
  'Ringing',
  'Session Progress',
  'Busy Here',
  'Request Terminated',
  'Not Found',
];
const oddReasons = ['', 'Ök', 'Not "Found"', 'a%20b', 'tab\there', 'Service Unavailable (overload)', 'x<y>'];

function startLine(next: Random): string {
  if (maybe(next, 0.4)) {
    const version = pick(next, ['SIP/2.0', 'SIP/2.0', 'sip/2.0', 'SIP/20', 'SIP/2.0.1']);
    const code = pick(next, ['100', '180', '183', '200', '401', '486', '487', '503', '2000', '20']);
    const reason = maybe(next, 0.85) ? pick(next, reasons) : pick(next, oddReasons);
    return maybe(next, 0.05) ? `${version} ${code}` : `${version} ${code} ${reason}`;
  }
  const method = maybe(next, 0.85) ? pick(next, methods) : pick(next, oddMethods);
  const version = pick(next, ['SIP/2.0', 'SIP/2.0', 'SIP/2.0', 'sip/2.0', 'SIP/2', 'SIP/2.0 ']);
  return `${method} ${uri(next, true)} ${version}`;
}

function cseq(next: Random): string {
  const number = pick(next, ['1', '2', '0', '101', '4294967295', '00042', '', 'x']);
  const space = pick(next, [' ', ' ', ' ', '  ', '\t']);
  return `${number}${space}${maybe(next, 0.85) ? pick(next, methods) : pick(next, oddMethods)}`;
}

function callId(next: Random): string {
  const word = (): string =>
    pick(next, [
      'a84b4c76e66710',
      '1-23686',
      'ebr8a1tc6j0l9q1m8l2v',
      'x(y)<z>:"q"/[1]?{2}',
      '%41',
      'A.b!c~d',
    ]);
  const roll = next();
  if (roll < 0.5) return `${word()}@${pick(next, [...ipv4s, ...hostnames])}`;
  if (roll < 0.85) return word();
  return pick(next, ['', 'a@b@c', 'a b', '@x', 'x@', 'ünï', 'a;b', 'a,b']);
}

function contentType(next: Random): string {
  return pick(next, [
    'application/sdp',
    'application/sdp',
    'Application/SDP',
    'application/dtmf-relay',
    'application/media_control+xml',
    'text/plain',
    'message/sipfrag',
    'multipart/mixed;boundary=unique-boundary-1',
    'application/sdp; charset=utf-8',
    'applicationx/sdp',
    'texts/plain',
    'x-foo/bar',
    'a/b/c',
    'application / sdp',
    'application/',
  ]);
}

function digits(next: Random): string {
  return pick(next, [
    '0',
    '00',
    '70',
    '112',
    '4294967296',
    '99999999999999999999',
    '',
    '1a',
    ' 70',
    '-1',
    '7 0',
  ]);
}

/** Generated `[input, rule]` pairs, `count` per rule. */
export function generatedInputs(seed: number, count: number): Array<[string, string]> {
  const next = random(seed);
  const generators: Record<string, () => string> = {
    Request_Response: () => startLine(next),
    Via: () => via(next),
    From: () => `${nameAddr(next)}${headerParamList(next, tagParams)}`,
    To: () => `${nameAddr(next)}${headerParamList(next, tagParams)}`,
    Contact: () => `${nameAddr(next)}${headerParamList(next, contactParams)}`,
    Record_Route: () => `<${uri(next, true)}>${headerParamList(next, [])}`,
    Call_ID: () => callId(next),
    CSeq: () => cseq(next),
    Max_Forwards: () => digits(next),
    Content_Length: () => digits(next),
    Content_Type: () => contentType(next),
  };
  const out: Array<[string, string]> = [];
  for (const [rule, generate] of Object.entries(generators)) {
    for (let i = 0; i < count; i++) out.push([generate(), rule]);
  }
  return out;
}

const mutationAlphabet = [
  ' ',
  '\t',
  ';',
  '=',
  ',',
  '"',
  '\\',
  '<',
  '>',
  ':',
  '@',
  '%',
  '?',
  '[',
  ']',
  '.',
  '_',
  '-',
  '/',
  'a',
  'Z',
  '0',
  '9',
  'é',
  '\r\n',
  '\0',
  '*',
];

/** Each input with one to three random edits (insert, delete, replace), `perInput` times. */
export function mutatedInputs(seed: number, inputs: ReadonlyArray<[string, string]>, perInput: number) {
  const next = random(seed);
  const out: Array<[string, string]> = [];
  for (const [input, rule] of inputs) {
    for (let n = 0; n < perInput; n++) {
      let text = input;
      const edits = 1 + Math.floor(next() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(next() * (text.length + 1));
        const roll = next();
        const char = pick(next, mutationAlphabet);
        if (roll < 0.4) text = text.slice(0, at) + char + text.slice(at);
        else if (roll < 0.7) text = text.slice(0, at) + text.slice(at + 1);
        else text = text.slice(0, at) + char + text.slice(at + 1);
      }
      out.push([text, rule]);
    }
  }
  return out;
}
