// One call's failure is that call's only: a leg that throws from a method the bridge calls, a media session
// whose stream errors, an adapter whose accept() throws synchronously — each ends its own call (the other leg
// hung up), is logged once with the call id and counted as `gateway.call-error`, and the calls beside it go on.
import { describe, expect, it } from 'vitest';
import { createGateway, definePlugin, type GatewayEvent } from '../src/index.ts';
import { inMemoryPorts } from './doubles/InMemoryPorts.ts';
import { capturingLogger, collect, waitFor } from './support.ts';

async function gatewayToApp() {
  const ports = inMemoryPorts();
  const { logger, text } = capturingLogger();
  const gateway = await createGateway({
    logger,
    config: { http: { enabled: false } },
    ...ports,
    plugins: [
      definePlugin({
        name: 'router',
        setup: (ctx) =>
          void ctx.hooks.route.register(() => ({ destination: { kind: 'platform', users: ['42'] } })),
      }),
    ],
  });
  const events = collect(gateway.events$);
  await gateway.start();
  return { gateway, ports, events, logs: text };
}

const callErrors = (events: GatewayEvent[]) =>
  events.filter((event): event is Extract<GatewayEvent, { type: 'gateway.call-error' }> => {
    return event.type === 'gateway.call-error';
  });

describe('a failure while handling one call', () => {
  it('a leg that throws when told the other side answered ends its call; the next call is bridged', async () => {
    const { gateway, ports, events, logs } = await gatewayToApp();
    const faulty = ports.sip.receive('sip:100@pbx', 'sip:200@pbx');
    const healthy = ports.sip.receive('sip:101@pbx', 'sip:200@pbx');
    await waitFor(() => ports.platform.placed.length === 2 && !!faulty.leg && !!healthy.leg);
    const faultyPhone = faulty.leg!;
    // Not a rejected promise: a synchronous throw out of the adapter's method, as a bug would.
    faultyPhone.answer = () => {
      throw new Error('phone leg exploded');
    };
    const [faultyApp, healthyApp] = ports.platform.placed.map((placed) => placed.leg);
    const faultyCallId = gateway.calls.list()[0]!.id;
    faultyApp!.remote$.answers();
    await waitFor(() => gateway.calls.size === 1);

    // The faulty call ended as an error, both legs released, once in the log and once as an event.
    expect(faultyApp!.actions).toContain('hangup:error');
    expect(faultyPhone.actions).toContain('hangup:error');
    expect(callErrors(events)).toEqual([
      expect.objectContaining({ callId: faultyCallId, stage: 'leg-answered', error: 'phone leg exploded' }),
    ]);
    const logged = logs()
      .split('\n')
      .filter((line) => line.includes('phone leg exploded') && line.includes('"level":50'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(faultyCallId);

    // The call beside it goes on: answered, DTMF crosses, hung up normally.
    healthyApp!.remote$.answers();
    await waitFor(() => healthy.leg!.actions.includes('answer'));
    healthy.leg!.remote$.sendsDtmf('7');
    await waitFor(() => healthyApp!.actions.includes('dtmf:7'));
    healthyApp!.remote$.hangsUp();
    await waitFor(() => gateway.calls.size === 0);
    expect(events.filter((event) => event.type === 'call.ended').map((event) => event.reason)).toEqual([
      'error',
      'normal',
    ]);
    await gateway.stop();
  });

  it('a media stream that errors ends its call; an accept() that throws refuses only its call', async () => {
    const { gateway, ports, events } = await gatewayToApp();
    const first = ports.sip.receive('sip:100@pbx', 'sip:200@pbx');
    await waitFor(() => ports.platform.placed.length === 1);
    const firstCallId = gateway.calls.list()[0]!.id;
    // Before, the bridge subscribed without an error handler: rxjs rethrew this out of a timer, which ended
    // the process (here: vitest reports an unhandled error).
    ports.media.sessions[0]!.events.error(new Error('relay stream broke'));
    await waitFor(() => gateway.calls.size === 0);
    expect(first.leg!.actions).toContain('hangup:error');
    expect(ports.platform.placed[0]!.leg.actions).toContain('hangup:error');

    const broken = ports.sip.receive('sip:101@pbx', 'sip:200@pbx');
    broken.acceptThrows = new Error('accept exploded');
    await waitFor(() => broken.rejected.length === 1 && gateway.calls.size === 0);
    expect(broken.rejected[0]).toEqual({ reason: 'error', detail: 'accept exploded' });
    expect(ports.platform.placed).toHaveLength(1);

    const next = ports.sip.receive('sip:102@pbx', 'sip:200@pbx');
    await waitFor(() => ports.platform.placed.length === 2);
    ports.platform.placed[1]!.leg.remote$.answers();
    await waitFor(() => next.leg?.actions.includes('answer') === true);
    expect(gateway.calls.list()[0]?.state).toBe('active');
    expect(callErrors(events).map(({ callId, stage, error }) => ({ callId, stage, error }))).toEqual([
      { callId: firstCallId, stage: 'media-error', error: 'relay stream broke' },
      { callId: expect.any(String), stage: 'set-up', error: 'accept exploded' },
    ]);
    ports.platform.placed[1]!.leg.remote$.hangsUp();
    await waitFor(() => gateway.calls.size === 0);
    await gateway.stop();
  });

  it('a leg that arrives after its call ended (the caller cancelled while it was placed) is hung up', async () => {
    const { gateway, ports, events, logs } = await gatewayToApp();
    let placed: () => void = () => {};
    ports.platform.placing = new Promise((resolve) => {
      placed = resolve;
    });
    const incoming = ports.sip.receive('sip:100@pbx', 'sip:200@pbx');
    await waitFor(() => ports.platform.placed.length === 1);
    incoming.leg!.remote$.hangsUp('cancelled');
    await waitFor(() => gateway.calls.size === 0);
    placed();
    const app = ports.platform.placed[0]!.leg;
    await waitFor(() => app.actions.includes('hangup:cancelled'));
    expect(events.filter((event) => event.type === 'call.ended')).toEqual([
      expect.objectContaining({ reason: 'cancelled', by: 'sip' }),
    ]);
    expect(callErrors(events)).toEqual([]);
    expect(logs()).not.toContain('"level":50');
    await gateway.stop();
  });
});
