// Differential test of the fast grammar (src/parsing/): for every input of a large corpus, whatever the fast
// readers return must be structurally identical to what sip.js's PEG grammar returns — same prototypes
// (URI, NameAddrHeader, Object, Array), same own keys in the same order, same values (numbers stay numbers,
// `undefined` stays `undefined`) — and whole messages parsed by sip.js's Parser with the front installed must
// equal those parsed without it. Inputs the fast readers do not claim go to the grammar, so they match by
// construction; the test also checks that the common shapes are claimed (else it would prove nothing).
import { Core, Grammar, NameAddrHeader, URI } from 'sip.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { fastRules } from '../src/parsing/fastRules.ts';
import { installFastGrammar, originalGrammarParse } from '../src/parsing/installFastGrammar.ts';
import {
  capturedMessages,
  generatedInputs,
  mutatedInputs,
  sippAddressings,
  sippScenarioMessages,
} from './grammarCorpus.ts';

type Parse = (input: string, startRule: string) => unknown;
const silentLogger = { debug() {}, log() {}, warn() {}, error() {} } as unknown as Core.Logger;

/** Where `a` and `b` differ (path and why), or undefined when they are structurally identical. */
function structuralDiff(a: unknown, b: unknown, path = '$'): string | undefined {
  if (Object.is(a, b)) return undefined;
  if (typeof a !== typeof b || typeof a !== 'object' || a === null || b === null) {
    return `${path}: ${String(a)} (${typeof a}) vs ${String(b)} (${typeof b})`;
  }
  const protoA = Object.getPrototypeOf(a);
  const protoB = Object.getPrototypeOf(b as object);
  if (protoA !== protoB)
    return `${path}: prototype ${protoA?.constructor?.name} vs ${protoB?.constructor?.name}`;
  const keysA = Reflect.ownKeys(a);
  const keysB = Reflect.ownKeys(b as object);
  if (keysA.join('\u0000') !== keysB.join('\u0000')) {
    return `${path}: keys [${keysA.map(String)}] vs [${keysB.map(String)}]`;
  }
  for (const key of keysA) {
    const descriptorA = Object.getOwnPropertyDescriptor(a, key)!;
    const descriptorB = Object.getOwnPropertyDescriptor(b as object, key)!;
    if (
      descriptorA.enumerable !== descriptorB.enumerable ||
      descriptorA.writable !== descriptorB.writable ||
      descriptorA.get !== descriptorB.get ||
      descriptorA.set !== descriptorB.set
    ) {
      return `${path}.${String(key)}: property descriptor differs`;
    }
    const diff = structuralDiff(descriptorA.value, descriptorB.value, `${path}.${String(key)}`);
    if (diff) return diff;
  }
  return undefined;
}

/** The `[input, startRule]` calls sip.js's Parser makes for one message (recorded around the grammar). */
function grammarCalls(message: string, original: Parse): Array<[string, string]> {
  const calls: Array<[string, string]> = [];
  const saved = Grammar.parse;
  Grammar.parse = (input: string, rule: string) => {
    calls.push([input, rule]);
    return original(input, rule);
  };
  try {
    Core.Parser.parseMessage(message, silentLogger);
  } finally {
    Grammar.parse = saved;
  }
  return calls;
}

interface Outcome {
  checked: number;
  claimed: number;
  claimedByRule: Map<string, number>;
  callsByRule: Map<string, number>;
  failures: string[];
}

/** Runs every pair through the fast reader and the grammar; records mismatches and what was claimed. */
function compare(pairs: ReadonlyArray<[string, string]>, original: Parse): Outcome {
  const outcome: Outcome = {
    checked: 0,
    claimed: 0,
    claimedByRule: new Map(),
    callsByRule: new Map(),
    failures: [],
  };
  for (const [input, rule] of pairs) {
    outcome.checked++;
    outcome.callsByRule.set(rule, (outcome.callsByRule.get(rule) ?? 0) + 1);
    const fast = fastRules.get(rule)?.(input);
    if (fast === undefined) continue;
    outcome.claimed++;
    outcome.claimedByRule.set(rule, (outcome.claimedByRule.get(rule) ?? 0) + 1);
    const diff = structuralDiff(original(input, rule), fast);
    if (diff) outcome.failures.push(`${rule} ${JSON.stringify(input)}: ${diff}`);
  }
  return outcome;
}

/** Parses the message with the grammar alone and with the front; undefined when both results are identical. */
function messageDiff(message: string, original: Parse): string | undefined {
  const front = Grammar.parse;
  Grammar.parse = original;
  let plain: unknown;
  try {
    plain = Core.Parser.parseMessage(message, silentLogger);
  } finally {
    Grammar.parse = front;
  }
  return structuralDiff(plain, Core.Parser.parseMessage(message, silentLogger));
}

const hotRules = [...fastRules.keys()];
/** The corpus runs the slow grammar tens of thousands of times: a generous timeout for a loaded host. */
const corpusTimeoutMs = 120_000;

describe('fast grammar front for sip.js', () => {
  let original: Parse;
  beforeAll(() => {
    installFastGrammar();
    original = originalGrammarParse();
  });

  it('installs once: a second install keeps the same front, and the original stays reachable', () => {
    const front = Grammar.parse;
    expect(front).not.toBe(original);
    installFastGrammar();
    expect(Grammar.parse).toBe(front);
    expect(originalGrammarParse()).toBe(original);
    // sip.js's own helpers go through the namespace object, hence through the front.
    expect(Grammar.URIParse('sip:alice@example.com;transport=tcp')).toBeInstanceOf(URI);
    expect(Grammar.nameAddrHeaderParse('"Alice" <sip:alice@example.com>')).toBeInstanceOf(NameAddrHeader);
  });

  it('the comparison itself sees prototypes, key order and number-vs-string', () => {
    const uri = original('<sip:a@b>', 'To');
    expect(structuralDiff(uri, original('<sip:a@b>', 'To'))).toBeUndefined();
    expect(structuralDiff({ a: 1, b: 2 }, { b: 2, a: 1 })).toMatch(/keys/);
    expect(structuralDiff({ port: 5060 }, { port: '5060' })).toMatch(/number/);
    expect(structuralDiff({ x: undefined }, {})).toMatch(/keys/);
    expect(structuralDiff(uri, { ...(uri as object) })).toMatch(/prototype/);
  });

  it(
    'every message of the sipp scenarios: each header as the grammar reads it, and the whole message',
    () => {
      const pairs: Array<[string, string]> = [];
      const messageFailures: string[] = [];
      for (const addressing of sippAddressings) {
        for (const { scenario, message } of sippScenarioMessages(addressing)) {
          expect(Core.Parser.parseMessage(message, silentLogger), `${scenario} parses`).toBeDefined();
          pairs.push(...grammarCalls(message, original));
          const diff = messageDiff(message, original);
          if (diff) messageFailures.push(`${scenario} (${addressing.localIp}): ${diff}`);
        }
      }
      const outcome = compare(pairs, original);
      expect(outcome.failures).toEqual([]);
      expect(messageFailures).toEqual([]);
      // IPv4 and hostname messages are plain shapes: the fast path must take (almost) all their header calls.
      const plainPairs = pairs.filter(([input]) => !input.includes('[::1]') && !input.includes('Digest'));
      expect(compare(plainPairs, original).claimed).toBeGreaterThan(0.95 * plainPairs.length);
    },
    corpusTimeoutMs,
  );

  it(
    'messages captured from baresip, Kamailio and sipp calls through the adapter',
    () => {
      const messages = capturedMessages();
      expect(messages.length).toBeGreaterThan(20);
      const pairs = messages.flatMap((message) => grammarCalls(message, original));
      const outcome = compare(pairs, original);
      expect(outcome.failures).toEqual([]);
      expect(messages.map((message) => messageDiff(message, original)).filter(Boolean)).toEqual([]);
      const hot = pairs.filter(([, rule]) => fastRules.has(rule));
      expect(outcome.claimed).toBeGreaterThan(0.9 * hot.length);
    },
    corpusTimeoutMs,
  );

  it(
    'generated header values: random params, orders, cases, hosts, ports, display names',
    () => {
      const outcome = compare(generatedInputs(20261125, 1500), original);
      expect(outcome.failures.slice(0, 20)).toEqual([]);
      // Each reader claims a good share of its generated inputs, so each is really compared.
      for (const rule of hotRules) expect(outcome.claimedByRule.get(rule) ?? 0, rule).toBeGreaterThan(150);
    },
    corpusTimeoutMs,
  );

  it(
    'mutated inputs (random inserts, deletes and replacements): the fast path matches or steps aside',
    () => {
      const seeds: Array<[string, string]> = [
        ...generatedInputs(7, 60),
        ...sippScenarioMessages(sippAddressings[0]!).flatMap(({ message }) =>
          grammarCalls(message, original),
        ),
      ].filter(([, rule]) => fastRules.has(rule));
      const outcome = compare(mutatedInputs(42, seeds, 12), original);
      expect(outcome.failures.slice(0, 20)).toEqual([]);
      expect(outcome.claimed).toBeGreaterThan(500);
    },
    corpusTimeoutMs,
  );

  it('nasty inputs: the fast path matches or steps aside', () => {
    const nasty = [
      '',
      ' ',
      '\r\n',
      '\0',
      'sip:',
      '<>',
      '<sip:>',
      '<sip:a@b',
      'sip:a@b>',
      '"" <sip:a@b>',
      '<sip:a@b>;',
      '<sip:a@b>;;',
      '<sip:a@b> ;tag=1',
      '<sip:a@b>;tag=1 ',
      '<sip:a@b>;__proto__=x',
      '<sip:a@b;__proto__=x>',
      '<sip:a@b;constructor=x>;hasOwnProperty=1',
      'INVITE  sip:a@b SIP/2.0',
      'INVITE sip:a@b  SIP/2.0',
      'INVITE sip:a@b SIP/2.0\r\n',
      'SIP/2.0 200 OK\r\n',
      'SIP/2.0/UDP',
      'SIP/2.0/UDP ',
      'SIP/2.0/UDP a:',
      'SIP/2.0/UDP a;',
      'SIP/2.0/UDP a;=',
      'a'.repeat(5000),
      `<sip:${'a'.repeat(3000)}@example.com>`,
      '\u{1F600} <sip:a@b>',
      '"\u{1F600}" <sip:a@b>',
      '1 \u{1F600}',
      'application/\u00e9',
    ];
    const pairs = hotRules.flatMap((rule) => nasty.map((input): [string, string] => [input, rule]));
    expect(compare(pairs, original).failures).toEqual([]);
  });
});
