// An ended call is released, not merely closed: after a full GC nothing of the gateway still holds the `Call` or
// its media session. The doubles keep every leg they handed out (as an adapter may, for a while): a leg's
// stream that still had the bridge subscribed would keep the whole call alive through it.
import { describe, expect, it } from 'vitest';
import { type Call, createGateway, definePlugin, type RouteDestination } from '../src/index.ts';
import { stillAlive } from './collectGarbage.ts';
import { inMemoryPorts } from './doubles/InMemoryPorts.ts';
import { capturingLogger, waitFor } from './support.ts';

async function gatewayRouting(destination: RouteDestination | undefined) {
  const ports = inMemoryPorts();
  const gateway = await createGateway({
    logger: capturingLogger('info').logger,
    config: { http: { enabled: false } },
    ...ports,
    plugins: destination
      ? [
          definePlugin({
            name: 'router',
            setup: (ctx) => void ctx.hooks.route.register(() => ({ destination })),
          }),
        ]
      : [],
  });
  // Weak references only: the test itself must not be what keeps a call alive.
  const calls: Record<string, WeakRef<Call>> = {};
  gateway.events$.subscribe((event) => {
    const call = event.type === 'call.created' ? gateway.calls.get(event.callId) : undefined;
    if (call) calls[`call ${Object.keys(calls).length}`] = new WeakRef(call);
  });
  await gateway.start();
  /** Weak references to the media sessions so far; the relay double forgets them, as a relay does. */
  const takeSessions = () =>
    Object.fromEntries(ports.media.sessions.splice(0).map((s, i) => [`media ${i}`, new WeakRef(s)]));
  return { gateway, ports, calls, takeSessions };
}

describe('an ended call is garbage-collected', () => {
  it('answered SIP → app calls, hung up from either side', async () => {
    const { gateway, ports, calls, takeSessions } = await gatewayRouting({
      kind: 'platform',
      users: ['42'],
    });
    for (let i = 0; i < 5; i++) {
      const incoming = ports.sip.receive(`sip:10${i}@pbx`, 'sip:200@pbx');
      await waitFor(() => ports.platform.placed.length === i + 1);
      const app = ports.platform.placed[i]!.leg;
      app.remote$.rings();
      app.remote$.answers();
      await waitFor(() => incoming.leg?.actions.includes('answer') === true);
      if (i % 2 === 0) app.remote$.hangsUp();
      else incoming.leg!.remote$.hangsUp();
      await waitFor(() => gateway.calls.size === 0);
    }
    const sessions = takeSessions();
    expect(Object.keys(calls)).toHaveLength(5);
    expect(Object.keys(sessions)).toHaveLength(5);
    expect(await stillAlive({ ...calls, ...sessions })).toEqual([]);
    await gateway.stop();
  });

  it('an answered app → SIP call', async () => {
    const { gateway, ports, calls, takeSessions } = await gatewayRouting({
      kind: 'sip',
      uri: 'sip:1001@pbx',
    });
    ports.platform.receive('connectycube:7', { to: 'sip:1001@pbx' });
    await waitFor(() => ports.sip.placed.length === 1);
    ports.sip.placed[0]!.leg.remote$.answers();
    await waitFor(() => gateway.calls.list()[0]?.state === 'active');
    ports.sip.placed[0]!.leg.remote$.hangsUp();
    await waitFor(() => gateway.calls.size === 0);
    expect(await stillAlive({ ...calls, ...takeSessions() })).toEqual([]);
    await gateway.stop();
  });

  it('a refused call (no route)', async () => {
    const { gateway, ports, calls } = await gatewayRouting(undefined);
    const incoming = ports.sip.receive('sip:100@pbx', 'sip:999@pbx');
    await waitFor(() => incoming.rejected.length === 1 && gateway.calls.size === 0);
    expect(Object.keys(calls)).toHaveLength(1);
    expect(await stillAlive(calls)).toEqual([]);
    await gateway.stop();
  });

  it('a call whose offer the SIP side refuses while accepting it (as with a 488)', async () => {
    const { gateway, ports, calls, takeSessions } = await gatewayRouting({
      kind: 'platform',
      users: ['42'],
    });
    const incoming = ports.sip.receive('sip:100@pbx', 'sip:200@pbx');
    incoming.acceptThrows = new Error('the media endpoint refused the offer (488 sent)');
    await waitFor(() => incoming.rejected.length === 1 && gateway.calls.size === 0);
    expect(ports.platform.placed).toHaveLength(0);
    expect(await stillAlive({ ...calls, ...takeSessions() })).toEqual([]);
    await gateway.stop();
  });

  it('a call the caller cancels while the app rings', async () => {
    const { gateway, ports, calls, takeSessions } = await gatewayRouting({
      kind: 'platform',
      users: ['42'],
    });
    const incoming = ports.sip.receive('sip:100@pbx', 'sip:200@pbx');
    await waitFor(() => ports.platform.placed.length === 1);
    ports.platform.placed[0]!.leg.remote$.rings();
    incoming.leg!.remote$.hangsUp('cancelled');
    await waitFor(() => gateway.calls.size === 0);
    expect(ports.platform.placed[0]!.leg.actions).toEqual(['hangup:cancelled']);
    expect(await stillAlive({ ...calls, ...takeSessions() })).toEqual([]);
    await gateway.stop();
  });
});
