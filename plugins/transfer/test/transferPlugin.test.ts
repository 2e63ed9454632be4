// The plugin inside a real gateway whose ports are the core's in-memory doubles: a phone in an answered call
// asks for a transfer, and what the plugin allows is what the gateway dials (or reports as refused).
import { createGateway, definePlugin, type TransferProgress } from '@cubebridge/core';
import { describe, expect, it } from 'vitest';
import { inMemoryPorts } from '../../../core/test/doubles/InMemoryPorts.ts';
import { capturingLogger, waitFor } from '../../../core/test/support.ts';
import { type TransferOptions, transfer } from '../src/index.ts';

const dialPlan = definePlugin({
  name: 'test-dial-plan',
  setup: (ctx) =>
    void ctx.hooks.route.register((request) =>
      request.direction === 'sip-to-platform'
        ? { destination: { kind: 'platform', users: ['42'] } }
        : { destination: { kind: 'sip', uri: request.to.uri } },
    ),
});

async function transferRequested(options: TransferOptions, target: string, phoneUri = 'sip:100@pbx') {
  const ports = inMemoryPorts();
  const gateway = await createGateway({
    logger: capturingLogger().logger,
    config: { http: { enabled: false } },
    ...ports,
    plugins: [dialPlan, transfer(options)],
  });
  await gateway.start();
  const incoming = ports.sip.receive(phoneUri, 'sip:200@pbx');
  await waitFor(() => ports.platform.placed.length === 1);
  ports.platform.placed[0]!.leg.remote$.answers();
  await waitFor(() => incoming.leg?.actions.includes('answer') ?? false);
  const reports: TransferProgress[] = [];
  incoming.leg!.events.next({
    type: 'transfer-requested',
    target,
    report: (progress) => reports.push(progress),
  });
  return { gateway, ports, reports };
}

describe('@cubebridge/plugin-transfer', () => {
  it('allows any target by default, dialled through the dial plan', async () => {
    const { gateway, ports } = await transferRequested({}, 'sip:2001@pbx');
    await waitFor(() => ports.sip.placed.length === 1);
    expect(ports.sip.placed[0]!.request.to).toBe('sip:2001@pbx');
    await gateway.stop({ drainTimeoutMs: 0 });
  });

  it('gives up on a target that does not answer within ringTimeoutSec', async () => {
    const { gateway, ports, reports } = await transferRequested({ ringTimeoutSec: 1 }, 'sip:2001@pbx');
    await waitFor(() => reports.length === 1, 5_000);
    expect(reports[0]).toMatchObject({ state: 'failed', reason: 'no-answer' });
    expect(ports.sip.placed[0]!.leg.actions).toEqual(['hangup:no-answer']);
    await gateway.stop({ drainTimeoutMs: 0 });
  });

  it('refuses targets outside `targets`, and dials those inside', async () => {
    const options = { targets: ['^sip:2\\d{3}@pbx$'] };
    const refused = await transferRequested(options, 'sip:900123@pbx');
    await waitFor(() => refused.reports.length === 1);
    expect(refused.reports).toEqual([
      { state: 'failed', reason: 'refused', detail: 'transfers to sip:900123@pbx are not allowed' },
    ]);
    expect(refused.ports.sip.placed).toEqual([]);
    await refused.gateway.stop({ drainTimeoutMs: 0 });
    const allowed = await transferRequested(options, 'sip:2002@pbx');
    await waitFor(() => allowed.ports.sip.placed.length === 1);
    await allowed.gateway.stop({ drainTimeoutMs: 0 });
  });

  it('refuses transferors outside `transferors`', async () => {
    const { gateway, ports, reports } = await transferRequested(
      { transferors: ['^sip:1\\d\\d@pbx$'] },
      'sip:2001@pbx',
      'sip:555@elsewhere',
    );
    await waitFor(() => reports.length === 1);
    expect(reports[0]).toMatchObject({ state: 'failed', reason: 'refused' });
    expect(ports.sip.placed).toEqual([]);
    await gateway.stop({ drainTimeoutMs: 0 });
  });

  it('a pattern that is not a regular expression fails at start, naming the option', async () => {
    const ports = inMemoryPorts();
    await expect(
      createGateway({
        logger: capturingLogger().logger,
        config: { http: { enabled: false } },
        ...ports,
        plugins: [transfer({ targets: ['sip:(2'] })],
      }).then((gateway) => gateway.start()),
    ).rejects.toThrow(/targets\.0.*regular expression/s);
  });
});
