import { describe, expect, it } from 'vitest';
import {
  createGateway,
  definePlugin,
  type GatewayEvent,
  InvalidStateError,
  ofType,
  type RouteDestination,
  Tokens,
} from '../src/index.ts';
import { inMemoryPorts } from './doubles/InMemoryPorts.ts';
import { capturingLogger, collect, waitFor } from './support.ts';

function routeTo(destination: RouteDestination) {
  return definePlugin({
    name: 'test-router',
    setup: (ctx) => void ctx.hooks.route.register(() => ({ destination })),
  });
}

async function gatewayWith(options: { destination?: RouteDestination; drainTimeoutMs?: number } = {}) {
  const ports = inMemoryPorts();
  const { logger, text } = capturingLogger();
  const gateway = await createGateway({
    logger,
    config: { http: { port: 0, host: '127.0.0.1' }, drainTimeoutMs: options.drainTimeoutMs ?? 5_000 },
    sip: ports.sip,
    media: ports.media,
    platform: ports.platform,
    plugins: options.destination ? [routeTo(options.destination)] : [],
  });
  const events = collect(gateway.events$);
  await gateway.start();
  return { gateway, ports, events, logs: text };
}

const types = (events: GatewayEvent[]) =>
  events.map((event) => event.type).filter((type) => type.startsWith('call.') && type !== 'call.state');

describe('gateway lifecycle', () => {
  it('starts media, SIP and platform, then plugins; stops in reverse', async () => {
    const ports = inMemoryPorts();
    const plugin = definePlugin({
      name: 'p',
      setup: () => {
        ports.journal.push('start plugin');
        return () => void ports.journal.push('stop plugin');
      },
    });
    const gateway = await createGateway({
      logger: capturingLogger().logger,
      config: { http: { enabled: false } },
      ...ports,
      plugins: [plugin],
    });
    await gateway.start();
    await gateway.stop();
    expect(ports.journal).toEqual([
      'start in-memory-media',
      'start in-memory-sip',
      'start in-memory-platform',
      'start plugin',
      'stop plugin',
      'stop in-memory-platform',
      'stop in-memory-sip',
      'stop in-memory-media',
    ]);
    expect(gateway.state).toBe('stopped');
    await expect(gateway.start()).rejects.toThrow(InvalidStateError);
  });

  it('an adapter that fails to start stops those already started and says which one failed', async () => {
    const ports = inMemoryPorts();
    ports.platform.failStart = true;
    const gateway = await createGateway({
      logger: capturingLogger().logger,
      config: { http: { enabled: false } },
      ...ports,
    });
    await expect(gateway.start()).rejects.toThrow(
      'platform: in-memory-platform failed to start: in-memory-platform cannot start',
    );
    expect(ports.journal).toEqual([
      'start in-memory-media',
      'start in-memory-sip',
      'stop in-memory-sip',
      'stop in-memory-media',
    ]);
  });

  it('serves /health and /ready, and /ready turns false while draining', async () => {
    const { gateway, ports } = await gatewayWith({ destination: { kind: 'platform', users: ['42'] } });
    const url = gateway.http?.url;
    expect(await (await fetch(`${url}/ready`)).json()).toEqual({ ready: true });
    expect(await (await fetch(`${url}/health`)).json()).toMatchObject({
      status: 'ok',
      components: { sip: 'in-memory-sip: started' },
    });
    ports.sip.receive('sip:100@pbx', 'sip:200@pbx');
    await waitFor(() => ports.platform.placed.length === 1);
    const draining = gateway.drain({ timeoutMs: 5_000 });
    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(503);
    ports.platform.placed[0]!.leg.remote$.hangsUp();
    expect(await draining).toEqual({ forced: 0 });
    await gateway.stop();
  });

  it('two gateways in one process share nothing', async () => {
    const a = await createGateway({
      logger: capturingLogger().logger,
      config: { http: { enabled: false }, name: 'a' },
    });
    const b = await createGateway({
      logger: capturingLogger().logger,
      config: { http: { enabled: false }, name: 'b' },
    });
    expect(a.resolve(Tokens.Config).name).toBe('a');
    expect(b.resolve(Tokens.Config).name).toBe('b');
    expect(a.resolve(Tokens.Calls)).not.toBe(b.resolve(Tokens.Calls));
    a.hooks.route.register(() => undefined, { name: 'only-a' });
    expect(b.hooks.route.handlerNames).toEqual([]);
  });
});

describe('drain', () => {
  it('refuses new calls as unavailable and resolves when the active call ends', async () => {
    const { gateway, ports } = await gatewayWith({ destination: { kind: 'platform', users: ['42'] } });
    ports.sip.receive('sip:100@pbx', 'sip:200@pbx');
    await waitFor(() => ports.platform.placed.length === 1);
    let drained = false;
    const draining = gateway.drain().then(() => {
      drained = true;
    });
    const late = ports.sip.receive('sip:101@pbx', 'sip:200@pbx');
    expect(late.rejected).toEqual([{ reason: 'unavailable', detail: 'gateway is draining' }]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(drained).toBe(false);
    ports.platform.placed[0]!.leg.remote$.hangsUp();
    await draining;
    expect(gateway.calls.size).toBe(0);
    await gateway.stop();
  });

  it('ends the calls still up when the timeout passes', async () => {
    const { gateway, ports, events } = await gatewayWith({
      destination: { kind: 'platform', users: ['42'] },
    });
    ports.sip.receive('sip:100@pbx', 'sip:200@pbx');
    await waitFor(() => ports.platform.placed.length === 1);
    expect(await gateway.drain({ timeoutMs: 30 })).toEqual({ forced: 1 });
    expect(events.find((event) => event.type === 'call.ended')).toMatchObject({
      reason: 'shutdown',
      by: 'gateway',
    });
    expect(ports.platform.placed[0]!.leg.actions).toContain('hangup:shutdown');
    await gateway.stop();
  });
});

describe('bridging calls through the ports', () => {
  it('SIP → app: routed, rings, answers, DTMF crosses, hang-up from the app releases the phone', async () => {
    const { gateway, ports, events } = await gatewayWith({
      destination: { kind: 'platform', users: ['42', '43'] },
    });
    const incoming = ports.sip.receive('sip:100@pbx', 'sip:200@pbx');
    await waitFor(() => ports.platform.placed.length === 1);
    const { request, leg: app } = ports.platform.placed[0]!;
    expect(request.to).toEqual(['42', '43']);
    expect(request.media).toBe(ports.media.sessions[0]!.webrtc);
    const phone = incoming.leg!;
    app.remote$.rings();
    await waitFor(() => phone.actions.includes('ring'));
    app.remote$.answers();
    await waitFor(() => phone.actions.includes('answer'));
    phone.remote$.sendsDtmf('5');
    await waitFor(() => app.actions.includes('dtmf:5'));
    phone.remote$.holds();
    phone.remote$.resumes();
    app.remote$.hangsUp();
    await waitFor(() => gateway.calls.size === 0);
    expect(phone.actions).toEqual(['ring', 'answer', 'hangup:normal']);
    expect(ports.media.sessions[0]!.closed).toBe(true);
    expect(types(events)).toEqual([
      'call.created',
      'call.routed',
      'call.ringing',
      'call.answered',
      'call.dtmf',
      'call.held',
      'call.resumed',
      'call.ended',
    ]);
    expect(events.find((event) => event.type === 'call.ended')).toMatchObject({
      reason: 'normal',
      by: 'platform',
      answered: true,
    });
    await gateway.stop();
  });

  it('app → SIP: the SIP side busy fails the call and tells the app', async () => {
    const { gateway, ports, events } = await gatewayWith({
      destination: { kind: 'sip', uri: 'sip:1001@pbx' },
    });
    const incoming = ports.platform.receive('connectycube:7', { to: 'sip:1001@pbx' });
    await waitFor(() => ports.sip.placed.length === 1);
    expect(ports.sip.placed[0]!.request).toMatchObject({
      to: 'sip:1001@pbx',
      media: ports.media.sessions[0]!.sip,
    });
    ports.sip.placed[0]!.leg.remote$.hangsUp('busy');
    await waitFor(() => gateway.calls.size === 0);
    expect(incoming.leg!.actions).toEqual(['hangup:busy']);
    expect(events.filter((event) => event.type === 'call.state').at(-1)).toMatchObject({ to: 'failed' });
    await gateway.stop();
  });

  it('no route refuses the caller as not-found, with the hook outcome in the log', async () => {
    const { gateway, ports, events, logs } = await gatewayWith();
    const incoming = ports.sip.receive('sip:100@pbx', 'sip:999@pbx');
    await waitFor(() => incoming.rejected.length === 1);
    expect(incoming.rejected[0]).toEqual({ reason: 'not-found', detail: 'no route for this call' });
    expect(ports.media.sessions).toHaveLength(0);
    expect(events.find((event) => event.type === 'call.ended')).toMatchObject({ reason: 'not-found' });
    expect(logs()).toContain('no route handler is registered');
    await gateway.stop();
  });

  it('a route handler may refuse outright, with its own reason', async () => {
    const ports = inMemoryPorts();
    const closed = definePlugin({
      name: 'closed-at-night',
      setup: (ctx) =>
        void ctx.hooks.route.register(() => ({ refuse: { reason: 'unavailable', detail: 'office closed' } })),
    });
    const gateway = await createGateway({
      logger: capturingLogger().logger,
      config: { http: { enabled: false } },
      ...ports,
      plugins: [closed],
    });
    await gateway.start();
    const incoming = ports.sip.receive('sip:100@pbx', 'sip:200@pbx');
    await waitFor(() => incoming.rejected.length === 1);
    expect(incoming.rejected[0]).toEqual({ reason: 'unavailable', detail: 'office closed' });
    await gateway.stop();
  });

  it('an admission refusal answers busy without routing', async () => {
    const ports = inMemoryPorts();
    const full = definePlugin({
      name: 'capacity',
      setup: (ctx) =>
        void ctx.hooks.admit.register(() => ({ admit: false, reason: 'at capacity', status: 'busy' })),
    });
    const gateway = await createGateway({
      logger: capturingLogger().logger,
      config: { http: { enabled: false } },
      ...ports,
      plugins: [full, routeTo({ kind: 'platform', users: ['1'] })],
    });
    await gateway.start();
    const incoming = ports.sip.receive('sip:100@pbx', 'sip:200@pbx');
    await waitFor(() => incoming.rejected.length === 1);
    expect(incoming.rejected[0]).toEqual({ reason: 'busy', detail: 'at capacity' });
    expect(ports.platform.placed).toHaveLength(0);
    await gateway.stop();
  });

  it('the caller cancelling while the app rings ends the call and stops the app ringing', async () => {
    const { gateway, ports, events } = await gatewayWith({
      destination: { kind: 'platform', users: ['42'] },
    });
    const incoming = ports.sip.receive('sip:100@pbx', 'sip:200@pbx');
    await waitFor(() => ports.platform.placed.length === 1);
    ports.platform.placed[0]!.leg.remote$.rings();
    incoming.leg!.remote$.hangsUp('cancelled');
    await waitFor(() => gateway.calls.size === 0);
    expect(ports.platform.placed[0]!.leg.actions).toEqual(['hangup:cancelled']);
    const ended = events.filter((event) => event.type === 'call.ended');
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ reason: 'cancelled', by: 'sip', answered: false });
    await gateway.stop();
  });

  it('call.events$ carries only its own call', async () => {
    const { gateway, ports } = await gatewayWith({ destination: { kind: 'platform', users: ['42'] } });
    ports.sip.receive('sip:100@pbx', 'sip:200@pbx');
    await waitFor(() => gateway.calls.size === 1);
    const call = gateway.calls.list()[0]!;
    const own: string[] = [];
    call.events$.pipe(ofType('call.ended')).subscribe((event) => own.push(event.callId));
    ports.sip.receive('sip:101@pbx', 'sip:200@pbx');
    await waitFor(() => gateway.calls.size === 2);
    await Promise.all(gateway.calls.list().map((each) => each.hangup()));
    expect(own).toEqual([call.id]);
    await gateway.stop();
  });
});
