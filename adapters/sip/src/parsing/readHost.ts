// The `host` of sip.js's grammar as its PEG parser reads it: `hostname / IPv4address` (IPv6 references are
// left to the grammar). PEG choices and repetitions never backtrack, so this follows their exact steps:
// `(domainlabel ".")*` takes every label that a dot follows, then `toplabel` must start with a letter.
import { digitsEnd, isAlpha, isDigit, isIn, LABEL, runEnd, TOKEN } from './charClasses.ts';

export interface HostRead {
  readonly host: string;
  /** The `host_type` the grammar's actions record. */
  readonly type: 'domain' | 'IPv4';
  readonly end: number;
}

/** Reads a host at `from`; undefined when the grammar would not read it as a plain hostname or IPv4. */
export function readHost(input: string, from: number): HostRead | undefined {
  const hostname = hostnameEnd(input, from);
  if (hostname < 0) return undefined;
  if (hostname > from) return { host: input.slice(from, hostname), type: 'domain', end: hostname };
  const ipv4 = ipv4End(input, from);
  if (ipv4 > from) return { host: input.slice(from, ipv4), type: 'IPv4', end: ipv4 };
  return undefined;
}

/** End of `hostname` at `from`; `from` when the rule fails; -1 when it ends in a way we do not follow. */
function hostnameEnd(input: string, from: number): number {
  let at = from;
  for (;;) {
    const label = runEnd(input, at, LABEL);
    if (label === at || input.charCodeAt(label) !== 46 /* . */) break;
    at = label + 1;
  }
  if (!isAlpha(input.charCodeAt(at))) return from;
  let end = at + 1;
  while (end < input.length) {
    const code = input.charCodeAt(end);
    if (!isAlpha(code) && !isDigit(code) && code !== 45 /* - */) break;
    end++;
  }
  // The optional trailing "." after toplabel, and a toplabel cut short by "_": not ours to decide.
  const next = input.charCodeAt(end);
  if (next === 46 || next === 95) return -1;
  return end;
}

/**
 * End of `IPv4address` (four `dec_octet`s) at `from`, or `from`. Only the canonical spelling (0-255,
 * no leading zero) is accepted: for those, the grammar's first-match octet alternatives give the same.
 */
export function ipv4End(input: string, from: number): number {
  let at = from;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (input.charCodeAt(at) !== 46) return from;
      at++;
    }
    const end = digitsEnd(input, at);
    const length = end - at;
    if (length === 0 || length > 3) return from;
    if (length > 1 && input.charCodeAt(at) === 48 /* 0 */) return from;
    if (Number(input.slice(at, end)) > 255) return from;
    at = end;
  }
  // A token character right after it would leave the grammar mid-way: let it decide.
  if (at < input.length && isIn(input.charCodeAt(at), TOKEN)) return from;
  return at;
}
