// Benchmark: how much the sandbox carries on this machine — REST sessions, chat logins, routed messages (with latency).
// Run: pnpm --filter @cubebridge/connectycube-sandbox bench   (figures vary with the machine; nothing asserts on them)
import { performance } from 'node:perf_hooks';
import { startSandbox } from '../src/index.ts';
import { RawXmppClient } from '../test/rawXmppClient.ts';

const sessions = 2_000;
const logins = 300;
const messages = 20_000;

const sandbox = await startSandbox({ janus: 'off' });
const appId = sandbox.credentials.appId;
const [alice, bob] = sandbox.users;
if (!alice || !bob) throw new Error('seed users missing');

let started = performance.now();
for (let i = 0; i < sessions; i++) {
  const response = await fetch(`${sandbox.apiEndpoint}/session.json`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      application_id: appId,
      auth_key: sandbox.credentials.authKey,
      user: { login: 'alice', password: 'alice-password' },
    }),
  });
  await response.arrayBuffer();
}
const sessionRate = sessions / ((performance.now() - started) / 1000);

started = performance.now();
for (let i = 0; i < logins; i++) {
  const client = await RawXmppClient.connect(sandbox.chatEndpoint);
  await client.login(`${alice.id}-${appId}`, 'alice-password');
  client.close();
}
const loginMs = (performance.now() - started) / logins;

const sender = await RawXmppClient.connect(sandbox.chatEndpoint);
const receiver = await RawXmppClient.connect(sandbox.chatEndpoint);
await sender.login(`${alice.id}-${appId}`, 'alice-password');
await receiver.login(`${bob.id}-${appId}`, 'bob-password');
const latencies: number[] = [];
let received = 0;
const done = new Promise<void>((resolve) => {
  receiver.socket.on('message', (data) => {
    const sentAt = Number(/<body>([\d.]+)<\/body>/.exec(data.toString())?.[1]);
    if (Number.isFinite(sentAt)) latencies.push(performance.now() - sentAt);
    if (++received === messages) resolve();
  });
});
started = performance.now();
// Sent in bursts of 100 so the measured latency is routing, not a queue of 20 000 frames.
for (let i = 0; i < messages; i += 100) {
  for (let j = 0; j < 100; j++) {
    sender.send(
      `<message to="${bob.id}-${appId}@x" type="chat" id="m${i + j}"><body>${performance.now()}</body></message>`,
    );
  }
  await new Promise((resolve) => setImmediate(resolve));
}
await done;
const messageRate = messages / ((performance.now() - started) / 1000);
latencies.sort((a, b) => a - b);
const percentile = (p: number): string =>
  (latencies[Math.floor((latencies.length - 1) * p)] ?? Number.NaN).toFixed(2);
sender.close();
receiver.close();
await sandbox.close();

console.log(
  `REST POST /session (user login): ${sessionRate.toFixed(0)} sessions/s (${sessions}, sequential)`,
);
console.log(
  `chat login (open, SASL PLAIN, restart, bind): ${loginMs.toFixed(2)} ms each (${logins}, sequential)`,
);
console.log(
  `chat routing: ${messageRate.toFixed(0)} messages/s; latency p50 ${percentile(0.5)} ms, p99 ${percentile(0.99)} ms (${messages} messages)`,
);
