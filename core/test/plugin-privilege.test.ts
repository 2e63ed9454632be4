// Least privilege for plugins: what a plugin's context lets it reach, and what is withdrawn when it stops.
import { describe, expect, it } from 'vitest';
import {
  type CallView,
  createGateway,
  createToken,
  definePlugin,
  type Gateway,
  type PluginContext,
  type PluginDefinition,
  PluginError,
  Tokens,
} from '../src/index.ts';
import { inMemoryPorts } from './doubles/InMemoryPorts.ts';
import { capturingLogger, waitFor } from './support.ts';

async function gatewayWith(plugins: PluginDefinition<unknown>[], http = true): Promise<Gateway> {
  const ports = inMemoryPorts();
  const gateway = await createGateway({
    logger: capturingLogger().logger,
    config: { http: http ? { port: 0, host: '127.0.0.1' } : { enabled: false } },
    sip: ports.sip,
    media: ports.media,
    platform: ports.platform,
    plugins,
  });
  await gateway.start();
  return Object.assign(gateway, { ports });
}

/** A plugin that keeps its context for the test to poke at. */
function keeping(name: string, extra: Partial<Parameters<typeof definePlugin>[0]> = {}) {
  const kept: { ctx?: PluginContext } = {};
  const plugin = definePlugin({
    name,
    ...extra,
    setup(ctx) {
      kept.ctx = ctx;
    },
  });
  return { plugin, kept };
}

describe('a plugin cannot reach the raw bus, hooks or call registry', () => {
  it.each([
    [Tokens.EventBus, /asked for cubebridge\.events, which plugins cannot resolve; use ctx\.events\$/],
    [Tokens.Hooks, /asked for cubebridge\.hooks, which plugins cannot resolve; use ctx\.hooks/],
    [Tokens.Calls, /asked for cubebridge\.calls, which plugins cannot resolve; use ctx\.calls/],
  ])('resolve(%s) is refused with what to use instead', async (token, message) => {
    const { plugin, kept } = keeping('nosy');
    const gateway = await gatewayWith([plugin], false);
    expect(() => kept.ctx!.resolve(token as symbol)).toThrow(PluginError);
    expect(() => kept.ctx!.resolve(token as symbol)).toThrow(message);
    // The services a plugin legitimately needs are still there.
    expect(kept.ctx!.resolve(Tokens.Config).name).toBe(gateway.config.name);
    await gateway.stop();
  });

  it('cannot provide a token the gateway owns (a fake bus, a fake config)', async () => {
    const { plugin, kept } = keeping('impostor');
    const gateway = await gatewayWith([plugin], false);
    expect(() => kept.ctx!.provide(Tokens.EventBus, {} as never)).toThrow(
      /cannot provide cubebridge\.events/,
    );
    expect(() => kept.ctx!.provide(Tokens.Config, {} as never)).toThrow(/cannot provide cubebridge\.config/);
    expect(gateway.resolve(Tokens.Config)).toBe(gateway.config);
    await gateway.stop();
  });

  it('its context is frozen: nothing can be swapped in', async () => {
    const { plugin, kept } = keeping('swapper');
    const gateway = await gatewayWith([plugin], false);
    expect(Object.isFrozen(kept.ctx)).toBe(true);
    expect(Object.isFrozen(kept.ctx!.hooks)).toBe(true);
    expect(Object.keys(kept.ctx!).sort()).toEqual(
      ['calls', 'events$', 'hooks', 'http', 'logger', 'name', 'provide', 'resolve', 'signal'].sort(),
    );
    await gateway.stop();
  });
});

describe('a plugin sees calls read-only', () => {
  it('reads, taps and hangs up a call, but cannot drive its state machine or swap its parts', async () => {
    const { plugin, kept } = keeping('watcher');
    const router = definePlugin({
      name: 'router',
      setup: (ctx) =>
        void ctx.hooks.route.register(() => ({ destination: { kind: 'platform', users: ['42'] } })),
    });
    const gateway = await gatewayWith([router, plugin], false);
    const { ports } = gateway as Gateway & { ports: ReturnType<typeof inMemoryPorts> };
    ports.sip.receive('sip:100@pbx', 'sip:200@pbx');
    await waitFor(() => ports.platform.placed.length === 1);
    ports.platform.placed[0]!.leg.remote$.answers();
    await waitFor(() => gateway.calls.list()[0]?.state === 'active');

    const [view] = kept.ctx!.calls.list() as [CallView];
    const call = gateway.calls.list()[0]!;
    expect(view).not.toBe(call);
    expect(kept.ctx!.calls.get(call.id)).toBe(view);
    expect(view).toMatchObject({
      id: call.id,
      state: 'active',
      answered: true,
      direction: 'sip-to-platform',
    });
    expect(Object.isFrozen(view)).toBe(true);
    for (const mutator of [
      'markAnswered',
      'markHeld',
      'attachLeg',
      'attachMedia',
      'replaceSipLeg',
      'publish',
      'close',
    ])
      expect((view as unknown as Record<string, unknown>)[mutator]).toBeUndefined();
    expect(() => {
      (view as unknown as { state: string }).state = 'ended';
    }).toThrow(TypeError);
    // The media view taps and reads, but cannot close the session or reach its SDP endpoints.
    expect(view.media?.id).toBe(call.media?.id);
    for (const member of ['close', 'sip', 'webrtc'])
      expect((view.media as unknown as Record<string, unknown>)[member]).toBeUndefined();
    expect(view.media!.stats()).toEqual(call.media!.stats());

    await view.hangup('normal');
    await waitFor(() => gateway.calls.size === 0);
    expect(view.closed).toBe(true);
    expect(kept.ctx!.calls.size).toBe(0);
    await gateway.stop();
  });
});

describe('what a plugin provides is scoped to its dependents and withdrawn when it stops', () => {
  it('a provided service is visible to a dependent, invisible to others, and gone after stop', async () => {
    const Clock = createToken<{ now(): number }>('clock');
    const provider = definePlugin({ name: 'clock', setup: (ctx) => ctx.provide(Clock, { now: () => 42 }) });
    const dependent = keeping('uses-clock', { dependencies: ['clock'] });
    const stranger = keeping('stranger');
    const gateway = await gatewayWith([provider, dependent.plugin, stranger.plugin], false);
    expect(dependent.kept.ctx!.resolve(Clock).now()).toBe(42);
    expect(() => stranger.kept.ctx!.resolve(Clock)).toThrow(
      "Plugin 'stranger': asked for clock, which nothing provides; is the plugin that provides it listed in its dependencies?",
    );
    await gateway.stop();
    expect(() => dependent.kept.ctx!.resolve(Clock)).toThrow(
      "Plugin 'uses-clock': has stopped: cannot resolve clock",
    );
    // A second gateway in the same process does not see the first one's services.
    const again = keeping('uses-clock', { dependencies: ['clock'] });
    const bare = definePlugin({ name: 'clock', setup: () => undefined });
    const second = await gatewayWith([bare, again.plugin], false);
    expect(() => again.kept.ctx!.resolve(Clock)).toThrow(/which nothing provides/);
    await second.stop();
  });
});

describe('each plugin has its own HTTP context', () => {
  it('routes live under the declared prefix, hooks see only the plugin’s own routes, and stop means 404', async () => {
    const seenByHook: string[] = [];
    let afterStop: { status: number; body: unknown } | undefined;
    let gatewayUrl = '';
    // Started first, stopped last: its teardown runs while the server still listens, after `admin` stopped.
    const prober = definePlugin({
      name: 'prober',
      setup: () => async () => {
        const response = await fetch(`${gatewayUrl}/admin/calls`);
        afterStop = { status: response.status, body: await response.json() };
      },
    });
    const admin = definePlugin({
      name: 'admin',
      http: { prefix: '/admin' },
      setup(ctx) {
        ctx.http.addHook('onRequest', async (request) => void seenByHook.push(request.url));
        ctx.http.get('/calls', async () => ({ calls: ctx.calls.size }));
      },
    });
    const other = definePlugin({
      name: 'other',
      setup: (ctx) => void ctx.http.get('/other', async () => ({ ok: true })),
    });
    const gateway = await gatewayWith([prober, admin, other]);
    gatewayUrl = gateway.http!.url!;
    expect(await (await fetch(`${gatewayUrl}/admin/calls`)).json()).toEqual({ calls: 0 });
    expect((await fetch(`${gatewayUrl}/calls`)).status).toBe(404);
    expect(await (await fetch(`${gatewayUrl}/other`)).json()).toEqual({ ok: true });
    expect((await fetch(`${gatewayUrl}/health`)).status).toBe(200);
    // The admin plugin's hook saw its own route, not /other or /health.
    expect(seenByHook).toEqual(['/admin/calls']);
    await gateway.stop();
    expect(afterStop).toEqual({
      status: 404,
      body: { error: 'Not Found', message: "plugin 'admin' has stopped" },
    });
  });

  it('adding a route after the server started names the plugin', async () => {
    const { plugin, kept } = keeping('late');
    const gateway = await gatewayWith([plugin]);
    expect(() => kept.ctx!.http.get('/late', async () => 'x')).toThrow(
      "Plugin 'late': added an HTTP route after the server started; add routes during setup",
    );
    await gateway.stop();
  });

  it('two plugins cannot share a prefix; a prefix must be a path', async () => {
    const one = definePlugin({ name: 'one', http: { prefix: '/x' }, setup: () => undefined });
    const two = definePlugin({ name: 'two', http: { prefix: '/x' }, setup: () => undefined });
    await expect(gatewayWith([one, two])).rejects.toThrow(
      "Plugin 'two': http.prefix '/x' is already used by plugin 'one'",
    );
    const bad = definePlugin({ name: 'bad', http: { prefix: 'x/' }, setup: () => undefined });
    await expect(gatewayWith([bad])).rejects.toThrow("Plugin 'bad': http.prefix 'x/' must start with '/'");
  });

  it('with the HTTP server disabled, using ctx.http says so', async () => {
    const { plugin, kept } = keeping('needs-http');
    const gateway = await gatewayWith([plugin], false);
    expect(() => kept.ctx!.http.get('/x', async () => 'x')).toThrow(
      "Plugin 'needs-http': needs the HTTP server, which is disabled (http.enabled: false)",
    );
    await gateway.stop();
  });
});
