// Character classes of sip.js's SIP grammar (RFC 3261 names), as one lookup table indexed by char code.
// The fast path only needs ASCII: every class here is ASCII-only, and any other character ends a run.

export const TOKEN = 1; // token: alphanum - . ! % * _ + ` ' ~
export const USER = 2; // the run sip.js's `user` consumes: unreserved / user_unreserved (& = + $ , ; ? /)
export const PASSWORD = 4; // password: unreserved / & = + $ ,
export const PARAMCHAR = 8; // URI parameter name or value: param_unreserved ([ ] / : & + $) / unreserved
export const WORD = 16; // Call-ID word: token chars plus ( ) < > : \ " / [ ] ? { }
export const LABEL = 32; // domainlabel: [a-zA-Z0-9_-]
export const REASON = 64; // Reason-Phrase: reserved / unreserved / SP / HTAB (ASCII part)

const table = new Uint8Array(128);

function add(flag: number, chars: string): void {
  for (const char of chars) table[char.charCodeAt(0)]! |= flag;
}

const alphanum = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const mark = "-_.!~*'()";
const unreserved = alphanum + mark;
const reserved = ';/?:@&=+$,';

add(TOKEN, alphanum + "-.!%*_+`'~");
add(USER, unreserved + '&=+$,;?/');
add(PASSWORD, unreserved + '&=+$,');
add(PARAMCHAR, unreserved + '[]/:&+$');
add(WORD, alphanum + "-.!%*_+`'~" + '()<>:\\"/[]?{}');
add(LABEL, alphanum + '_-');
add(REASON, reserved + unreserved + ' \t');

/** Whether the char code belongs to the class (`flag` is one of the constants above). */
export function isIn(code: number, flag: number): boolean {
  return code < 128 && (table[code]! & flag) !== 0;
}

/** End of the run of `flag` characters starting at `from` (`from` itself when there is none). */
export function runEnd(input: string, from: number, flag: number): number {
  let at = from;
  while (at < input.length && isIn(input.charCodeAt(at), flag)) at++;
  return at;
}

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

export function isAlpha(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** End of the run of ASCII digits starting at `from`. */
export function digitsEnd(input: string, from: number): number {
  let at = from;
  while (at < input.length && isDigit(input.charCodeAt(at))) at++;
  return at;
}
