import { describe, expect, it } from 'vitest';
import { type CallRequest, Hook, type RouteDecision } from '../src/index.ts';

const request: CallRequest = {
  callId: 'c1',
  direction: 'sip-to-platform',
  from: { uri: 'sip:100@pbx' },
  to: { uri: 'sip:200@pbx' },
  offered: { audio: true, video: false },
  attributes: {},
};
const toUsers = (...users: string[]): RouteDecision => ({ destination: { kind: 'platform', users } });

describe('hooks', () => {
  it('runs handlers by order, then registration, and the first to decide wins', async () => {
    const hook = new Hook<CallRequest, RouteDecision>('route');
    const asked: string[] = [];
    const decides = (name: string, decision: RouteDecision) => () => {
      asked.push(name);
      return decision;
    };
    hook.register(decides('late', toUsers('late')), { name: 'late', order: 10 });
    hook.register(decides('abstains', undefined), { name: 'abstains' });
    hook.register(decides('first', toUsers('1')), { name: 'first' });
    hook.register(decides('never', toUsers('2')), { name: 'second' });
    const outcome = await hook.run(request);
    expect(outcome).toEqual({ decided: true, decision: toUsers('1'), by: 'first' });
    expect(asked).toEqual(['abstains', 'first']);
  });

  it('no handler, or none deciding, is a clean refusal with a reason', async () => {
    const hook = new Hook<CallRequest, RouteDecision>('route');
    expect(await hook.run(request)).toEqual({ decided: false, reason: 'no route handler is registered' });
    hook.register(() => undefined, { name: 'shy' });
    expect(await hook.run(request)).toEqual({
      decided: false,
      reason: 'no route handler decided (asked: shy)',
    });
  });

  it('a handler that throws refuses the call (fail closed) and names itself; later handlers are not asked', async () => {
    const hook = new Hook<CallRequest, RouteDecision>('route');
    hook.register(
      () => {
        throw new Error('database down');
      },
      { name: 'broken' },
    );
    let askedAfter = false;
    hook.register(
      () => {
        askedAfter = true;
        return toUsers('x');
      },
      { name: 'after' },
    );
    expect(await hook.run(request)).toEqual({
      decided: false,
      reason: "route handler 'broken' failed: database down",
      failedHandler: 'broken',
    });
    expect(askedAfter).toBe(false);
  });

  it('a handler that does not answer in time is aborted and refuses the call', async () => {
    const hook = new Hook<CallRequest, RouteDecision>('route', { timeoutMs: 30 });
    let aborted = false;
    hook.register(
      (_input, signal) =>
        new Promise<RouteDecision>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve(undefined);
          });
        }),
      { name: 'stuck' },
    );
    const outcome = await hook.run(request);
    expect(outcome).toMatchObject({ decided: false, failedHandler: 'stuck' });
    expect(outcome.decided === false && outcome.reason).toContain('no answer within 30 ms');
    expect(aborted).toBe(true);
  });

  it('unregistering removes exactly that handler', async () => {
    const hook = new Hook<CallRequest, RouteDecision>('route');
    const remove = hook.register(() => toUsers('a'), { name: 'a' });
    hook.register(() => toUsers('b'), { name: 'b' });
    remove();
    expect(await hook.run(request)).toMatchObject({ decided: true, by: 'b' });
    expect(hook.handlerNames).toEqual(['b']);
  });
});
