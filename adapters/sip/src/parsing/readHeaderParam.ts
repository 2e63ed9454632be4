// One `;name[=value]` header parameter (sip.js's `generic_param` and the named ones that share its shape),
// without the optional whitespace the grammar allows around `;` and `=` (that is left to the grammar).
import { runEnd, TOKEN } from './charClasses.ts';

export interface HeaderParam {
  /** The name lower-cased, as every action of the grammar stores it. */
  readonly name: string;
  /** undefined without `=`; a token, `""` for `name=` followed by nothing, or a quoted string with its quotes. */
  readonly value: string | undefined;
  readonly quoted: boolean;
  /** Just after the parameter: `;` or the end of the input (anything else is refused). */
  readonly end: number;
}

/** Reads the parameter whose `;` is at `semicolon`. */
export function readHeaderParam(input: string, semicolon: number): HeaderParam | undefined {
  const nameEnd = runEnd(input, semicolon + 1, TOKEN);
  if (nameEnd === semicolon + 1) return undefined;
  const name = input.slice(semicolon + 1, nameEnd).toLowerCase();
  if (name === '__proto__') return undefined;
  let at = nameEnd;
  let value: string | undefined;
  let quoted = false;
  if (input.charCodeAt(at) === 61 /* = */) {
    if (input.charCodeAt(at + 1) === 34 /* " */) {
      const close = quotedStringEnd(input, at + 1);
      if (close < 0) return undefined;
      value = input.slice(at + 1, close);
      quoted = true;
      at = close;
    } else {
      const valueEnd = runEnd(input, at + 1, TOKEN);
      value = input.slice(at + 1, valueEnd);
      at = valueEnd;
    }
  }
  if (at !== input.length && input.charCodeAt(at) !== 59 /* ; */) return undefined;
  return { name, value, quoted, end: at };
}

/**
 * End (after the closing quote) of a quoted string opening at `open` whose content has only printable ASCII
 * or non-ASCII characters and no backslash; -1 otherwise (escapes, tabs and line folds go to the grammar).
 */
export function quotedStringEnd(input: string, open: number): number {
  for (let at = open + 1; at < input.length; at++) {
    const code = input.charCodeAt(at);
    if (code === 34) return at + 1;
    if (code === 92 /* \ */ || code < 32 || code === 127) return -1;
  }
  return -1;
}

/** Whether the whole of `value` is a token (the grammar's `token` rule would take all of it). */
export function isToken(value: string): boolean {
  return value.length > 0 && runEnd(value, 0, TOKEN) === value.length;
}
