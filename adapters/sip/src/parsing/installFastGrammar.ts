// Puts the fast readers of fastRules.ts in front of sip.js's `Grammar.parse`, which every part of sip.js calls
// through the namespace object (`Grammar.parse(...)`), so one assignment reaches all of them. sip.js 0.21's
// generated PEG parser rebuilds its whole bytecode table on every call (≈ 0.2 ms a header); the fast readers
// take the plain shapes of the hot rules and hand everything else, unchanged, to the original.
import { Grammar } from 'sip.js';
import { fastRules } from './fastRules.ts';

type GrammarParse = (input: string, startRule: string) => unknown;

const installed = Symbol.for('@cubebridge/sip fast grammar');

interface FastGrammarParse extends GrammarParse {
  readonly [installed]: GrammarParse;
}

function isFront(parse: GrammarParse): parse is FastGrammarParse {
  return Object.hasOwn(parse, installed);
}

/** Installs the front once per sip.js instance; later calls (and other copies of this package) do nothing. */
export function installFastGrammar(): void {
  const current = Grammar.parse as GrammarParse;
  if (isFront(current)) return;
  const front = (input: string, startRule: string): unknown => {
    const rule = typeof input === 'string' ? fastRules.get(startRule) : undefined;
    const fast = rule?.(input);
    return fast === undefined ? current(input, startRule) : fast;
  };
  Object.defineProperty(front, installed, { value: current });
  Grammar.parse = front;
}

/** sip.js's own `Grammar.parse`, whether or not the front is installed (for tests and benchmarks). */
export function originalGrammarParse(): GrammarParse {
  const current = Grammar.parse as GrammarParse;
  return isFront(current) ? current[installed] : current;
}
