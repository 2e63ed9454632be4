// The plugin inside a real gateway (no adapters needed: the test asks the gateway's route hook directly).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type CallRequest, createGateway, createLogger } from '@cubebridge/core';
import { describe, expect, it } from 'vitest';
import { routing } from '../src/index.ts';

const call = (to: string): CallRequest => ({
  callId: 'c',
  direction: 'sip-to-platform',
  from: { uri: 'sip:100@pbx' },
  to: { uri: to },
  offered: { audio: true, video: false },
  attributes: {},
});

function logs() {
  let text = '';
  const destination = new Writable({
    write(chunk, _encoding, done) {
      text += chunk;
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', format: 'json', destination }), text: () => text };
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('@cubebridge/plugin-routing in a gateway', () => {
  it("uses the gateway's mappings and decides through the route hook", async () => {
    const gateway = await createGateway({
      logger: logs().logger,
      config: { http: { enabled: false }, mappings: { 'sip:joao@empresa.com': '12345' } },
      plugins: [routing({ rules: [{ match: { to: '200' }, ring: ['7', '8'] }] })],
    });
    await gateway.start();
    expect(await gateway.hooks.route.run(call('sip:joao@empresa.com'))).toEqual({
      decided: true,
      decision: { destination: { kind: 'platform', users: ['12345'] } },
      by: 'plugin:@cubebridge/plugin-routing',
    });
    expect(await gateway.hooks.route.run(call('sip:200@pbx'))).toMatchObject({
      decision: { destination: { users: ['7', '8'] } },
    });
    expect(await gateway.hooks.route.run(call('sip:404@pbx'))).toMatchObject({ decided: false });
    await gateway.stop();
  });

  it('reloads the rules file when it changes, and keeps the previous plan when the new one is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cubebridge-routing-'));
    const file = join(dir, 'dialplan.json');
    writeFileSync(file, JSON.stringify({ rules: [{ match: { to: '300' }, ring: ['first'] }] }));
    const { logger, text } = logs();
    const gateway = await createGateway({
      logger,
      config: { http: { enabled: false } },
      plugins: [routing({ rulesFile: file })],
    });
    await gateway.start();
    const usersFor300 = async () => {
      const outcome = await gateway.hooks.route.run(call('sip:300@pbx'));
      return outcome.decided &&
        'destination' in outcome.decision &&
        outcome.decision.destination.kind === 'platform'
        ? outcome.decision.destination.users
        : undefined;
    };
    expect(await usersFor300()).toEqual(['first']);

    writeFileSync(file, JSON.stringify({ rules: [{ match: { to: '300' }, ring: ['second'] }] }));
    await eventually(async () => (await usersFor300())?.[0] === 'second');

    writeFileSync(file, JSON.stringify({ rules: [{ match: { to: '300' } }] }));
    await eventually(async () => text().includes('dial plan not reloaded'));
    expect(text()).toContain('rules.0: needs exactly one action of ring, dial or refuse (found none)');
    expect(await usersFor300()).toEqual(['second']);
    await gateway.stop();
  });

  it('refuses bad options at start, naming the plugin and the key', async () => {
    const gateway = await createGateway({
      logger: logs().logger,
      config: { http: { enabled: false } },
      plugins: [routing({ rules: [{ match: { to: '1' }, ring: [] }] as never })],
    });
    await expect(gateway.start()).rejects.toThrow(
      "Plugin '@cubebridge/plugin-routing': invalid options (inline):\n  - rules.0.ring: Too small: expected array to have >=1 items",
    );
  });
});
