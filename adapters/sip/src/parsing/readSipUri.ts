// A `sip:`/`sips:` URI read the way sip.js's PEG grammar reads it, down to the side effects its actions leave
// behind, for the plain shapes only: no `%` escapes, no `?headers`, no IPv6, no password, no `method=`,
// `ttl=` or `maddr=` parameter. Anything else returns undefined and the caller falls back to the grammar.
import { URI } from 'sip.js';
import { digitsEnd, PARAMCHAR, PASSWORD, runEnd, TOKEN, USER } from './charClasses.ts';
import { readHost } from './readHost.ts';

/** What must follow the URI: `>` (name-addr), a space (Request-Line), or `;`/end (addr-spec, no params). */
export type UriContext = 'name-addr' | 'request-line' | 'addr-spec';

export interface SipUriRead {
  readonly uri: URI;
  /**
   * The grammar's `password` action runs as soon as `user ":"` matches, even when `userinfo` then fails
   * for want of an `@` (`sip:127.0.0.1:5060`): the port lands in `options.data.password`, which no action
   * deletes. Only a Request-Line returns `options.data` itself, so only it shows this.
   */
  readonly password: string | undefined;
  readonly end: number;
}

/** Per URI parameter name, the values whose prefix the grammar's first-match literals would take alone. */
const literalValues: Readonly<Record<string, readonly string[]>> = {
  transport: ['udp', 'tcp', 'sctp', 'tls'],
  user: ['phone', 'ip'],
};

export function readSipUri(input: string, from: number, context: UriContext): SipUriRead | undefined {
  // uri_scheme = "sips"i / "sip"i, then ":" (no retry of "sip" once "sips" matched).
  let at = from;
  const scheme4 = input.slice(at, at + 4);
  let scheme: string;
  if (scheme4.toLowerCase() === 'sips') scheme = scheme4;
  else if (scheme4.slice(0, 3).toLowerCase() === 'sip') scheme = scheme4.slice(0, 3);
  else return undefined;
  at += scheme.length;
  if (input.charCodeAt(at) !== 58 /* : */) return undefined;
  at++;

  // userinfo = user (":" password)? "@"
  let user: string | undefined;
  let password: string | undefined;
  const userEnd = runEnd(input, at, USER);
  if (input.charCodeAt(userEnd) === 37 /* % */) return undefined; // an escape: the grammar reads on
  if (userEnd > at) {
    const next = input.charCodeAt(userEnd);
    if (next === 64 /* @ */) {
      user = input.slice(at, userEnd); // decodeURIComponent is the identity without `%`
      at = userEnd + 1;
    } else if (next === 58 /* : */) {
      const passwordEnd = runEnd(input, userEnd + 1, PASSWORD);
      const after = input.charCodeAt(passwordEnd);
      if (after === 64 || after === 37) return undefined; // a real password, or an escape: left to the grammar
      password = input.slice(userEnd + 1, passwordEnd);
    }
  }

  const host = readHost(input, at);
  if (!host) return undefined;
  at = host.end;
  let port: number | undefined;
  if (input.charCodeAt(at) === 58) {
    const portEnd = digitsEnd(input, at + 1);
    const length = portEnd - at - 1;
    if (length < 1 || length > 5) return undefined;
    port = Number.parseInt(input.slice(at + 1, portEnd), 10);
    at = portEnd;
  }

  let parameters: Record<string, string | undefined> | undefined;
  if (context !== 'addr-spec') {
    while (input.charCodeAt(at) === 59 /* ; */) {
      const nameEnd = runEnd(input, at + 1, PARAMCHAR);
      if (nameEnd === at + 1) return undefined;
      const name = input.slice(at + 1, nameEnd).toLowerCase();
      if (name === '__proto__') return undefined;
      at = nameEnd;
      let value: string | undefined;
      if (input.charCodeAt(at) === 61 /* = */) {
        const valueEnd = runEnd(input, at + 1, PARAMCHAR);
        if (valueEnd === at + 1) return undefined;
        value = input.slice(at + 1, valueEnd);
        at = valueEnd;
      }
      parameters ??= {};
      if (name.startsWith('lr')) {
        // lr_param = "lr"i ('=' token)?: any other name starting with "lr" is cut short by it.
        if (name !== 'lr' || (value !== undefined && runEnd(value, 0, TOKEN) !== value.length))
          return undefined;
        parameters.lr = undefined;
      } else if (value === undefined) {
        parameters[name] = undefined;
      } else if (name === 'method' || name === 'ttl' || name === 'maddr') {
        return undefined; // their actions write outside uri_params (method, params.ttl, host)
      } else if (name === 'transport' || name === 'user') {
        if (runEnd(value, 0, TOKEN) !== value.length) return undefined;
        const lower = value.toLowerCase();
        if (literalValues[name]!.some((literal) => lower.startsWith(literal) && lower !== literal)) {
          return undefined;
        }
        parameters[name] = lower;
      } else {
        parameters[name] = value;
      }
    }
  }

  const next = input.charCodeAt(at);
  const ended =
    context === 'name-addr'
      ? next === 62 /* > */
      : context === 'request-line'
        ? next === 32
        : at === input.length || next === 59;
  if (!ended) return undefined;
  // The grammar passes `options.data.user` and `uri_params` as they are, undefined when absent.
  const uri = new URI(scheme, user as string, host.host, port, parameters as never, undefined);
  return { uri, password, end: at };
}
