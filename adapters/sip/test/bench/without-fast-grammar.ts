// Preload for "before" runs of the benchmarks: marks sip.js's own `Grammar.parse` as if the fast front were
// already installed, so `installFastGrammar()` leaves the PEG grammar alone. Nothing else changes.
// Usage: node --import ./adapters/sip/test/bench/without-fast-grammar.ts … (e.g. test/bench/e2e.ts)
import { Grammar } from 'sip.js';

Object.defineProperty(Grammar.parse, Symbol.for('@cubebridge/sip fast grammar'), { value: Grammar.parse });
