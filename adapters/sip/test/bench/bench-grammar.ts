// CPU time sip.js spends parsing one message (`Core.Parser.parseMessage`, warm, in a loop), with sip.js's PEG
// grammar alone and with the fast grammar front of src/parsing/ installed. Messages: sipp's INVITE, ACK and BYE
// of test/sipp/uac_call.xml (127.0.0.1, UDP) and a 200 OK with SDP captured from baresip behind Kamailio.
// Rounds alternate between the two so that a shared host's noise hits both alike; the median round counts.
// Usage: node --conditions=@cubebridge/source adapters/sip/test/bench/bench-grammar.ts [--loops 2000] [--rounds 5]
import { loadavg } from 'node:os';
import { Core, Grammar } from 'sip.js';
import { installFastGrammar, originalGrammarParse } from '../../src/parsing/installFastGrammar.ts';
import { capturedMessages, sippAddressings, sippScenarioMessages } from '../grammarCorpus.ts';

const argument = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1] ?? fallback) : fallback;
};
const loops = argument('loops', 2000);
const rounds = argument('rounds', 5);

const logger = { debug() {}, log() {}, warn() {}, error() {} } as unknown as Core.Logger;
const uacCall = sippScenarioMessages(sippAddressings[0]!)
  .filter(({ scenario }) => scenario === 'uac_call.xml')
  .map(({ message }) => message);
const okWithSdp = capturedMessages().find(
  (message) => message.startsWith('SIP/2.0 200') && message.includes('application/sdp'),
);
const messages: Record<string, string> = {
  INVITE: uacCall[0]!,
  ACK: uacCall[1]!,
  BYE: uacCall[2]!,
  '200 OK (baresip via Kamailio)': okWithSdp!,
};

installFastGrammar();
const front = Grammar.parse;
const grammar = originalGrammarParse();

function microsPerParse(message: string): number {
  const start = process.cpuUsage();
  for (let i = 0; i < loops; i++) Core.Parser.parseMessage(message, logger);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / loops;
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

console.log(
  `load average before: ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`,
);
console.log('| message | grammar alone µs | with the front µs | ratio |');
console.log('|---|---:|---:|---:|');
for (const [name, message] of Object.entries(messages)) {
  const alone: number[] = [];
  const fast: number[] = [];
  for (const parse of [grammar, front]) {
    Grammar.parse = parse;
    microsPerParse(message); // warm-up
  }
  for (let round = 0; round < rounds; round++) {
    Grammar.parse = grammar;
    alone.push(microsPerParse(message));
    Grammar.parse = front;
    fast.push(microsPerParse(message));
  }
  const [a, f] = [median(alone), median(fast)];
  console.log(`| ${name} | ${a.toFixed(1)} | ${f.toFixed(1)} | ${(a / f).toFixed(0)}× |`);
}
console.log(
  `load average after: ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`,
);
