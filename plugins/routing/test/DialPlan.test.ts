import { describe, expect, it } from 'vitest';
import type { CallRequest } from '@cubebridge/core';
import { DialPlan, dialPlanSchema, isWithin, ruleSchema } from '../src/index.ts';

const sipCall = (
  to: string,
  from = 'sip:100@pbx.example.com',
  attributes: Record<string, string> = {},
): CallRequest => ({
  callId: 'c',
  direction: 'sip-to-platform',
  from: { uri: from },
  to: { uri: to },
  offered: { audio: true, video: false },
  attributes,
});
const appCall = (toIdentity: string, userInfo: Record<string, string> = {}): CallRequest => ({
  callId: 'c',
  direction: 'platform-to-sip',
  from: { uri: 'connectycube:7' },
  to: { uri: toIdentity },
  offered: { audio: true, video: false },
  attributes: userInfo,
});
const plan = (config: unknown, mappings: Record<string, string> = {}) =>
  new DialPlan(dialPlanSchema.parse(config), mappings);
// Wednesday 2026-11-25 10:30 UTC
const wednesdayMorning = new Date('2026-11-25T10:30:00Z');

describe('dial plan', () => {
  it("routes by the seed's mapping table both ways (mirrored identities back to SIP)", () => {
    const mapped = plan({}, { 'sip:joao@empresa.com': '12345' });
    expect(mapped.decide(sipCall('"João" <sip:joao@EMPRESA.com:5060;transport=udp>'))).toEqual({
      decision: { destination: { kind: 'platform', users: ['12345'] } },
      by: 'mapping "João" <sip:joao@EMPRESA.com:5060;transport=udp>',
    });
    expect(mapped.decide(appCall('connectycube:12345'))?.decision).toEqual({
      destination: { kind: 'sip', uri: 'sip:joao@empresa.com' },
    });
    expect(mapped.decide(sipCall('sip:maria@empresa.com'))).toBeUndefined();
    // A platform may name the mirrored identity by the SIP URI it stands for: the mapping is dialled as written.
    const withPort = plan({}, { 'sip:joao@10.0.0.5:5070': '12345' });
    expect(withPort.decide(appCall('sip:joao@10.0.0.5'))?.decision).toEqual({
      destination: { kind: 'sip', uri: 'sip:joao@10.0.0.5:5070' },
    });
  });

  it('matches user parts, whole URIs, wildcards, prefixes and regexes with captures', () => {
    const rules = plan({
      rules: [
        { name: 'reception', match: { to: '100' }, ring: ['1'] },
        { name: 'sales', match: { to: 'sip:vendas@*' }, ring: ['2', '3'], ringTimeoutSec: 20 },
        {
          name: 'ext',
          match: { to: { regex: '^sip:(2\\d{3})@' } },
          ring: ['$1'],
          userInfo: { extension: '$1' },
        },
        {
          name: 'outside',
          match: { to: { prefix: '00' } },
          refuse: 'declined',
          detail: 'no international calls',
        },
        {
          name: 'app to pbx',
          match: { to: { regex: '^connectycube:(\\d+)$' } },
          dial: 'sip:$1@pbx.example.com',
        },
      ],
    });
    expect(rules.decide(sipCall('sip:100@pbx'))?.by).toBe('rule 1 "reception"');
    expect(rules.decide(sipCall('sip:vendas@empresa.com'))?.decision).toEqual({
      destination: { kind: 'platform', users: ['2', '3'], ringTimeoutMs: 20_000 },
    });
    expect(rules.decide(sipCall('sip:2042@pbx'))?.decision).toEqual({
      destination: { kind: 'platform', users: ['2042'], userInfo: { extension: '2042' } },
    });
    expect(rules.decide(sipCall('sip:0044123@pbx'))?.decision).toEqual({
      refuse: { reason: 'declined', detail: 'no international calls' },
    });
    expect(rules.decide(appCall('connectycube:1001'))?.decision).toEqual({
      destination: { kind: 'sip', uri: 'sip:1001@pbx.example.com' },
    });
    expect(rules.decide(sipCall('sip:999@pbx'))).toBeUndefined();
  });

  it('a ring rule never applies to an app call, nor a dial rule to a phone call', () => {
    const rules = plan({ rules: [{ match: { to: '*' }, ring: ['1'] }] });
    expect(rules.decide(appCall('connectycube:5'))).toBeUndefined();
  });

  it('matches on the caller and on headers or userInfo', () => {
    const rules = plan({
      rules: [
        { match: { from: { prefix: '9' } }, refuse: 'busy' },
        { match: { attributes: { 'X-Queue': 'support' } }, ring: ['77'] },
      ],
    });
    expect(rules.decide(sipCall('sip:1@p', 'sip:911@p'))?.decision).toEqual({
      refuse: { reason: 'busy', detail: 'refused by the dial plan' },
    });
    expect(rules.decide(sipCall('sip:1@p', 'sip:1@p', { 'X-Queue': 'support' }))?.decision).toMatchObject({
      destination: { users: ['77'] },
    });
  });

  it('dials the SIP target an app gives in userInfo.to (gateway identity), unless direct dialling is off', () => {
    expect(plan({}).decide(appCall('connectycube:gateway', { to: 'sip:1001@pbx' }))).toEqual({
      decision: { destination: { kind: 'sip', uri: 'sip:1001@pbx' } },
      by: 'direct dial',
    });
    expect(
      plan({ directDial: false }).decide(appCall('connectycube:gateway', { to: 'sip:1001@pbx' })),
    ).toBeUndefined();
  });

  it('applies time windows in their time zone, including across midnight, and falls back', () => {
    const rules = plan({
      rules: [
        {
          name: 'office',
          match: { to: '100' },
          when: {
            days: ['mon', 'tue', 'wed', 'thu', 'fri'],
            between: ['09:00', '18:00'],
            timeZone: 'Europe/Lisbon',
          },
          ring: ['1'],
        },
        {
          name: 'night',
          match: { to: '100' },
          when: { between: ['22:00', '06:00'], days: ['fri'], timeZone: 'UTC' },
          ring: ['night'],
        },
      ],
      fallback: { refuse: 'unavailable', detail: 'office closed' },
    });
    expect(rules.decide(sipCall('sip:100@p'), wednesdayMorning)?.by).toBe('rule 1 "office"');
    expect(rules.decide(sipCall('sip:100@p'), new Date('2026-11-25T19:00:00Z'))).toEqual({
      decision: { refuse: { reason: 'unavailable', detail: 'office closed' } },
      by: 'fallback',
    });
    // Saturday 03:00 UTC is inside Friday's 22:00–06:00 window.
    expect(rules.decide(sipCall('sip:100@p'), new Date('2026-11-28T03:00:00Z'))?.by).toBe('rule 2 "night"');
    expect(
      isWithin(
        { between: ['22:00', '06:00'], days: ['fri'], timeZone: 'UTC' },
        new Date('2026-11-27T03:00:00Z'),
      ),
    ).toBe(false);
  });

  it('refuses malformed rules with the key and the fix', () => {
    const problems = (rule: unknown) => {
      const result = ruleSchema.safeParse(rule);
      return result.success
        ? []
        : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    };
    expect(problems({ match: { to: '1' } })).toEqual([
      ': needs exactly one action of ring, dial or refuse (found none)',
    ]);
    expect(problems({ ring: ['1'], dial: 'sip:x@y' })).toEqual([
      ': needs exactly one action of ring, dial or refuse (found ring and dial)',
    ]);
    expect(problems({ ring: ['1'], match: { to: { regex: '(' } } })).toEqual([
      'match.to: is not a valid regular expression',
    ]);
    expect(problems({ ring: ['1'], when: { between: ['9:00', '18:00'] } })).toEqual([
      'when.between.0: must be a time like 09:00 or 18:30',
    ]);
    expect(problems({ ring: ['1'], when: { timeZone: 'Mars/Olympus' } })).toEqual([
      'when.timeZone: is not a time zone known to this system (use an IANA name like Europe/Lisbon)',
    ]);
  });
});
