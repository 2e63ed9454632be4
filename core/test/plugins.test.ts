import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type AdapterContext,
  createGateway,
  createToken,
  definePlugin,
  type Gateway,
  type GatewayOptions,
  ofType,
  PluginError,
} from '../src/index.ts';
import { inMemoryPorts } from './doubles/InMemoryPorts.ts';
import { capturingLogger, collect } from './support.ts';

const quiet = () => ({ logger: capturingLogger().logger, config: { http: { enabled: false } } });

async function startWith(plugins: GatewayOptions['plugins'], projectDir?: string): Promise<Gateway> {
  const gateway = await createGateway({ ...quiet(), plugins, ...(projectDir ? { projectDir } : {}) });
  await gateway.start();
  return gateway;
}

/** A throwaway project with packages in node_modules, to load plugins by name as a user's project would. */
function projectWith(packages: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cubebridge-plugins-'));
  writeFileSync(join(dir, 'package.json'), '{"name":"project","type":"module"}');
  for (const [name, source] of Object.entries(packages)) {
    const packageDir = join(dir, 'node_modules', name);
    mkdirSync(packageDir, { recursive: true });
    writeFileSync(
      join(packageDir, 'package.json'),
      JSON.stringify({ name, type: 'module', exports: './index.js' }),
    );
    writeFileSync(join(packageDir, 'index.js'), source);
  }
  return dir;
}

describe('plugin loading errors name the plugin', () => {
  it('a package that is not installed', async () => {
    const error = await createGateway({
      ...quiet(),
      plugins: ['cubebridge-plugin-missing'],
      projectDir: projectWith({}),
    }).catch((e) => e);
    expect(error).toBeInstanceOf(PluginError);
    expect(error.message).toMatch(
      /^Plugin 'cubebridge-plugin-missing': plugin package not found from .*: install it there \(pnpm add cubebridge-plugin-missing\)/,
    );
  });

  it('a package whose default export is not a plugin', async () => {
    const projectDir = projectWith({ 'cubebridge-plugin-bare': 'export default function setup() {}\n' });
    await expect(
      createGateway({ ...quiet(), plugins: ['cubebridge-plugin-bare'], projectDir }),
    ).rejects.toThrow(
      "Plugin 'cubebridge-plugin-bare': its default export is not a plugin made with definePlugin() from @cubebridge/core (found: a function named setup; did you forget to wrap it in definePlugin()?)",
    );
  });

  it('a package that throws while loading', async () => {
    const projectDir = projectWith({ 'cubebridge-plugin-broken': "throw new Error('syntax of doom');\n" });
    await expect(
      createGateway({ ...quiet(), plugins: ['cubebridge-plugin-broken'], projectDir }),
    ).rejects.toThrow(/^Plugin 'cubebridge-plugin-broken': failed to load \(.*\): syntax of doom$/);
  });

  it('bad options, with the option path', async () => {
    const plugin = definePlugin({ name: 'strict', options: z.object({ port: z.number() }), setup() {} });
    const gateway = await createGateway({ ...quiet(), plugins: [[plugin, { port: 'x' }]] });
    await expect(gateway.start()).rejects.toThrow(
      "Plugin 'strict': invalid options (inline):\n  - port: Invalid input: expected number, received string",
    );
    expect(gateway.state).toBe('failed');
  });

  it('a missing dependency, a duplicate name and a cycle', async () => {
    const needsAuth = definePlugin({ name: 'recording', dependencies: ['auth'], setup() {} });
    await expect(startWith([needsAuth])).rejects.toThrow(
      "Plugin 'recording': needs plugin 'auth', which is not in the plugin list; add it to the config",
    );
    const a = definePlugin({ name: 'same', setup() {} });
    await expect(startWith([a, a])).rejects.toThrow(
      "Plugin 'same': is listed twice (inline and inline); plugin names must be unique",
    );
    const x = definePlugin({ name: 'x', dependencies: ['y'], setup() {} });
    const y = definePlugin({ name: 'y', dependencies: ['x'], setup() {} });
    await expect(startWith([x, y])).rejects.toThrow("Plugin 'x': dependency cycle: x → y → x");
  });

  it('a plugin for another major version of the core', async () => {
    const old = definePlugin({ name: 'old', core: '^9.0.0', setup() {} });
    await expect(startWith([old])).rejects.toThrow(
      /^Plugin 'old': supports @cubebridge\/core \^9\.0\.0, but this gateway runs 0\.1\.0/,
    );
  });

  it('a setup that throws stops the gateway cleanly and names the plugin', async () => {
    const order: string[] = [];
    const good = definePlugin({ name: 'good', setup: () => () => void order.push('good stopped') });
    const bad = definePlugin({
      name: 'bad',
      dependencies: ['good'],
      setup: () => {
        throw new Error('no license');
      },
    });
    const gateway = await createGateway({ ...quiet(), plugins: [bad, good] });
    await expect(gateway.start()).rejects.toThrow("Plugin 'bad': setup failed: no license");
    expect(order).toEqual(['good stopped']);
    expect(gateway.closed).toBe(true);
  });
});

describe('plugin lifecycle', () => {
  it('starts in dependency order, stops in reverse, and releases hooks and subscriptions', async () => {
    const journal: string[] = [];
    const make = (name: string, dependencies: string[] = []) =>
      definePlugin({
        name,
        dependencies,
        setup(ctx) {
          journal.push(`start ${name}`);
          ctx.hooks.route.register(() => undefined);
          ctx.events$.subscribe({ complete: () => journal.push(`events complete ${name}`) });
          return () => void journal.push(`stop ${name}`);
        },
      });
    const gateway = await startWith([
      make('metrics', ['routing']),
      make('routing'),
      make('recording', ['metrics']),
    ]);
    expect(journal).toEqual(['start routing', 'start metrics', 'start recording']);
    expect(gateway.hooks.route.handlerNames).toEqual([
      'plugin:routing',
      'plugin:metrics',
      'plugin:recording',
    ]);
    journal.length = 0;
    await gateway.stop();
    expect(journal).toEqual([
      'stop recording',
      'events complete recording',
      'stop metrics',
      'events complete metrics',
      'stop routing',
      'events complete routing',
    ]);
    expect(gateway.hooks.route.handlerNames).toEqual([]);
  });

  it('a plugin whose subscriber throws is isolated: the others keep receiving and the error is an event', async () => {
    const seen: string[] = [];
    const thrower = definePlugin({
      name: 'thrower',
      setup(ctx) {
        ctx.events$.pipe(ofType('gateway.started')).subscribe(() => {
          throw new Error('boom');
        });
      },
    });
    const witness = definePlugin({
      name: 'witness',
      setup(ctx) {
        ctx.events$.subscribe((event) => seen.push(event.type));
      },
    });
    const gateway = await createGateway({ ...quiet(), plugins: [thrower, witness] });
    const all = collect(gateway.events$);
    await gateway.start();
    expect(seen).toContain('gateway.started');
    expect(all.find((event) => event.type === 'gateway.subscriber-error')).toMatchObject({
      error: 'boom',
      eventType: 'gateway.started',
    });
    expect(gateway.state).toBe('running');
    await gateway.stop();
  });

  it('plugins share services through the container, declared as dependencies', async () => {
    const Clock = createToken<{ now(): number }>('clock');
    let seen = 0;
    const provider = definePlugin({ name: 'clock', setup: (ctx) => ctx.provide(Clock, { now: () => 42 }) });
    const consumer = definePlugin({
      name: 'uses-clock',
      dependencies: ['clock'],
      setup(ctx) {
        seen = ctx.resolve(Clock).now();
      },
    });
    const gateway = await startWith([consumer, provider]);
    expect(seen).toBe(42);
    await gateway.stop();
    const orphan = definePlugin({ name: 'orphan', setup: (ctx) => void ctx.resolve(Clock) });
    await expect(startWith([orphan])).rejects.toThrow(
      "Plugin 'orphan': setup failed: Plugin 'orphan': asked for clock, which nothing provides",
    );
  });

  it('a plugin starting after the adapters first sees their current state, then live events', async () => {
    const ports = inMemoryPorts();
    let emit: AdapterContext['emit'] | undefined;
    const sip = Object.assign(ports.sip, {
      async start(context: AdapterContext) {
        emit = context.emit;
        context.emit({ type: 'registration.registering', account: 'a', at: 1 });
        context.emit({ type: 'registration.registered', account: 'a', expiresSec: 60, at: 2 });
        context.emit({ type: 'registration.failed', account: 'b', error: '403', retryInMs: 1000, at: 3 });
      },
    });
    const seen: string[] = [];
    const watcher = definePlugin({
      name: 'watcher',
      setup: (ctx) =>
        void ctx.events$.subscribe((event) => {
          if (event.type.startsWith('registration.'))
            seen.push(`${event.type} ${(event as { account: string }).account}`);
        }),
    });
    const gateway = await createGateway({ ...quiet(), sip, plugins: [watcher] });
    await gateway.start();
    emit?.({ type: 'registration.registered', account: 'b', expiresSec: 60, at: 4 });
    expect(seen).toEqual(['registration.registered a', 'registration.failed b', 'registration.registered b']);
    await gateway.stop();
  });
});
