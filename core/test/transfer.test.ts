// Blind transfer asked by the SIP leg (REFER), through the in-memory ports: the `transfer` hook decides, the
// `route` hook places the new leg, the new leg takes the SIP side on the same media session, and what the
// transferor is told (its `report`) matches what the gateway publishes.
import { describe, expect, it } from 'vitest';
import {
  createGateway,
  definePlugin,
  type GatewayEvent,
  type TransferDecision,
  TransferFailedError,
  type TransferProgress,
} from '../src/index.ts';
import { type InMemoryLeg, inMemoryPorts } from './doubles/InMemoryPorts.ts';
import { capturingLogger, collect, waitFor } from './support.ts';

/** Phones reach app user 42; app calls (and transfers) go to `sip:<dialled>@pbx`, as a dial plan would map them. */
const dialPlan = definePlugin({
  name: 'test-dial-plan',
  setup: (ctx) =>
    void ctx.hooks.route.register((request) =>
      request.direction === 'sip-to-platform'
        ? { destination: { kind: 'platform', users: ['42'] } }
        : request.to.uri === 'sip:closed'
          ? { refuse: { reason: 'unavailable', detail: 'closed' } }
          : { destination: { kind: 'sip', uri: `${request.to.uri}@pbx` } },
    ),
});

function transferPolicy(decide: () => TransferDecision) {
  return definePlugin({ name: 'test-transfer', setup: (ctx) => void ctx.hooks.transfer.register(decide) });
}

async function answeredCall(options: { decide?: () => TransferDecision } = {}) {
  const ports = inMemoryPorts();
  const gateway = await createGateway({
    logger: capturingLogger().logger,
    config: { http: { enabled: false } },
    ...ports,
    plugins: [dialPlan, ...(options.decide ? [transferPolicy(options.decide)] : [])],
  });
  const events = collect(gateway.events$);
  await gateway.start();
  const incoming = ports.sip.receive('sip:100@pbx', 'sip:200@pbx');
  await waitFor(() => ports.platform.placed.length === 1);
  const app = ports.platform.placed[0]!.leg;
  app.remote$.answers();
  const phone = incoming.leg!;
  await waitFor(() => phone.actions.includes('answer'));
  const reports: TransferProgress[] = [];
  const refer = (target: string) =>
    phone.events.next({ type: 'transfer-requested', target, report: (progress) => reports.push(progress) });
  return { gateway, ports, events, app, phone, reports, refer };
}

const transferEvents = (events: GatewayEvent[]) =>
  events.filter((event) => event.type.startsWith('call.transfer')).map((event) => event.type);

describe('blind transfer asked by the SIP leg', () => {
  it('allowed: the target is dialled through the route hook, answers, takes the SIP side; the transferor gets BYE', async () => {
    const { gateway, ports, events, app, phone, reports, refer } = await answeredCall({
      decide: () => ({ allow: true }),
    });
    const call = gateway.calls.list()[0]!;
    refer('sip:2001');
    await waitFor(() => ports.sip.placed.length === 1);
    const { request, leg: target } = ports.sip.placed[0]!;
    expect(request.to).toBe('sip:2001@pbx');
    // The same media session: its SIP endpoint gets the new dialog's offer/answer.
    expect(request.media).toBe(ports.media.sessions[0]!.sip);
    expect(request.caller).toEqual(app.remote);
    target.remote$.rings();
    target.remote$.answers();
    await waitFor(() => reports.length === 1);
    expect(reports).toEqual([{ state: 'succeeded' }]);
    await waitFor(() => phone.closed);
    expect(phone.actions).toEqual(['answer', 'hangup:normal']);
    expect(call.sipLeg).toBe(target);
    expect(call.state).toBe('active');
    expect(app.actions).toEqual([]);
    expect(transferEvents(events)).toEqual(['call.transfer-requested', 'call.transferred']);
    expect(events.find((event) => event.type === 'call.transferred')).toMatchObject({
      target: 'sip:2001',
      by: 'sip',
      party: { uri: 'sip:2001@pbx' },
      sipCallId: target.sipCallId,
    });
    // The new party is the call's SIP side now: DTMF crosses, its hang-up ends the call.
    target.remote$.sendsDtmf('7');
    await waitFor(() => app.actions.includes('dtmf:7'));
    target.remote$.hangsUp();
    await waitFor(() => gateway.calls.size === 0);
    expect(app.actions).toEqual(['dtmf:7', 'hangup:normal']);
    expect(events.find((event) => event.type === 'call.ended')).toMatchObject({
      by: 'sip',
      reason: 'normal',
    });
    await gateway.stop({ drainTimeoutMs: 0 });
  });

  it('without a plugin that allows it, the transfer is declined and the call goes on', async () => {
    const { gateway, ports, events, phone, reports, refer } = await answeredCall();
    refer('sip:2001');
    await waitFor(() => reports.length === 1);
    expect(reports).toEqual([{ state: 'failed', reason: 'declined', detail: 'no plugin allows transfers' }]);
    expect(ports.sip.placed).toEqual([]);
    expect(phone.closed).toBe(false);
    expect(transferEvents(events)).toEqual(['call.transfer-requested', 'call.transfer-failed']);
    expect(gateway.calls.size).toBe(1);
    await gateway.stop({ drainTimeoutMs: 0 });
  });

  it('a dial plan refusal fails the transfer with its reason, before any leg is placed', async () => {
    const { gateway, ports, reports, refer } = await answeredCall({ decide: () => ({ allow: true }) });
    refer('sip:closed');
    await waitFor(() => reports.length === 1);
    expect(reports).toEqual([{ state: 'failed', reason: 'unavailable', detail: 'closed' }]);
    expect(ports.sip.placed).toEqual([]);
    await gateway.stop({ drainTimeoutMs: 0 });
  });

  it('a busy target: the transferor hears why, the media is renegotiated with it, the call stays', async () => {
    const { gateway, ports, events, phone, reports, refer } = await answeredCall({
      decide: () => ({ allow: true }),
    });
    const call = gateway.calls.list()[0]!;
    refer('sip:2001');
    await waitFor(() => ports.sip.placed.length === 1);
    ports.sip.placed[0]!.leg.remote$.hangsUp('busy');
    await waitFor(() => phone.actions.includes('resume'));
    expect(reports).toEqual([{ state: 'failed', reason: 'busy' }]);
    expect(call.sipLeg).toBe(phone);
    expect(call.state).toBe('active');
    expect(transferEvents(events)).toEqual(['call.transfer-requested', 'call.transfer-failed']);
    await gateway.stop({ drainTimeoutMs: 0 });
  });

  it('nobody answering within the allowed time cancels the new leg as no-answer', async () => {
    const { gateway, ports, reports, refer } = await answeredCall({
      decide: () => ({ allow: true, ringTimeoutMs: 50 }),
    });
    refer('sip:2001');
    await waitFor(() => reports.length === 1);
    expect(reports[0]).toMatchObject({ state: 'failed', reason: 'no-answer' });
    expect((ports.sip.placed[0]!.leg as InMemoryLeg).actions).toEqual(['hangup:no-answer']);
    expect(gateway.calls.size).toBe(1);
    await gateway.stop({ drainTimeoutMs: 0 });
  });

  it('the transferor hanging up after its REFER keeps the call for the target', async () => {
    const { gateway, ports, events, app, phone, refer } = await answeredCall({
      decide: () => ({ allow: true }),
    });
    refer('sip:2001');
    await waitFor(() => ports.sip.placed.length === 1);
    phone.remote$.hangsUp();
    ports.sip.placed[0]!.leg.remote$.answers();
    await waitFor(() => transferEvents(events).includes('call.transferred'));
    expect(gateway.calls.size).toBe(1);
    expect(app.closed).toBe(false);
    await gateway.stop({ drainTimeoutMs: 0 });
  });

  it('the transferor gone and the target failing ends the call', async () => {
    const { gateway, ports, app, phone, refer } = await answeredCall({ decide: () => ({ allow: true }) });
    refer('sip:2001');
    await waitFor(() => ports.sip.placed.length === 1);
    phone.remote$.hangsUp();
    ports.sip.placed[0]!.leg.remote$.hangsUp('busy');
    await waitFor(() => gateway.calls.size === 0);
    expect(app.actions).toEqual(['hangup:normal']);
    await gateway.stop({ drainTimeoutMs: 0 });
  });

  it('a transfer handler may refuse with its own reason', async () => {
    const { gateway, ports, reports, refer } = await answeredCall({
      decide: () => ({ allow: false, reason: 'refused', detail: 'not to premium numbers' }),
    });
    refer('sip:2001');
    await waitFor(() => reports.length === 1);
    expect(reports).toEqual([{ state: 'failed', reason: 'refused', detail: 'not to premium numbers' }]);
    expect(ports.sip.placed).toEqual([]);
    await gateway.stop({ drainTimeoutMs: 0 });
  });
});

describe('blind transfer asked by the app user', () => {
  const appAsks = (app: InMemoryLeg, target: string, reports: TransferProgress[]) =>
    app.events.next({ type: 'transfer-requested', target, report: (progress) => reports.push(progress) });

  it('the phone is sent a REFER to the routed target; its success ends the call', async () => {
    const { gateway, events, app, phone } = await answeredCall({ decide: () => ({ allow: true }) });
    const reports: TransferProgress[] = [];
    appAsks(app, 'sip:2001', reports);
    await waitFor(() => gateway.calls.size === 0);
    expect(phone.actions).toEqual(['answer', 'transfer:sip:2001@pbx', 'hangup:normal']);
    expect(reports).toEqual([{ state: 'succeeded' }]);
    expect(transferEvents(events)).toEqual(['call.transfer-requested', 'call.transferred']);
    expect(events.find((event) => event.type === 'call.transferred')).toMatchObject({
      by: 'platform',
      party: { uri: 'sip:2001@pbx' },
    });
    await gateway.stop({ drainTimeoutMs: 0 });
  });

  it('the phone reporting a failure leaves the call up and tells the app why', async () => {
    const { gateway, events, app, phone } = await answeredCall({ decide: () => ({ allow: true }) });
    phone.transfer = async () => {
      throw new TransferFailedError('busy', '486');
    };
    const reports: TransferProgress[] = [];
    appAsks(app, 'sip:2001', reports);
    await waitFor(() => reports.length === 1);
    expect(reports).toEqual([{ state: 'failed', reason: 'busy', detail: '486' }]);
    expect(gateway.calls.size).toBe(1);
    expect(transferEvents(events)).toEqual(['call.transfer-requested', 'call.transfer-failed']);
    await gateway.stop({ drainTimeoutMs: 0 });
  });
});
