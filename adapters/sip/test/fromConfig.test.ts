// The `sip` section of a config file: its schema (which the gateway checks before the factory runs) and how the
// factory turns the seed's single account and seed-style accounts into adapter accounts.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import {
  configSchema,
  optionsFromConfig,
  type SipAccountOptions,
  type SipAdapterOptions,
  type sipAccountOptionsSchema,
  type SipTrunkOptions,
  type sipTrunkOptionsSchema,
} from '../src/index.ts';

describe('sip config section', () => {
  it('folds the seed account (SIP_USERNAME@SIP_DOMAIN) in first, unless the list has it', () => {
    const section = configSchema.parse({
      username: '1001',
      domain: 'pbx.example.com',
      password: 'pw',
      server: 'tcp://10.0.0.5:5070',
      accounts: [{ username: '1002', domain: 'pbx.example.com' }],
    });
    expect(optionsFromConfig(section).accounts).toEqual([
      {
        name: '1001',
        aor: 'sip:1001@pbx.example.com',
        transport: { kind: 'tcp' },
        password: 'pw',
        registrar: 'sip:10.0.0.5:5070;transport=tcp',
      },
      { name: '1002', aor: 'sip:1002@pbx.example.com', transport: { kind: 'udp' } },
    ]);
    const listed = configSchema.parse({
      username: '1001',
      domain: 'pbx',
      accounts: [{ username: '1001', domain: 'pbx', password: 'from-list' }],
    });
    expect(optionsFromConfig(listed).accounts).toHaveLength(1);
  });

  it('passes adapter-style accounts and every other option through', () => {
    const section = configSchema.parse({
      accounts: [{ aor: 'sip:1001@pbx', transport: { kind: 'udp', bindPort: 0 }, register: false }],
      trunk: { listen: { host: '127.0.0.1', port: 0 }, allowFrom: ['127.0.0.1/32'] },
      sessionTimerSec: 0,
    });
    expect(optionsFromConfig(section)).toEqual({
      accounts: [{ aor: 'sip:1001@pbx', transport: { kind: 'udp', bindPort: 0 }, register: false }],
      trunk: { listen: { host: '127.0.0.1', port: 0 }, allowFrom: ['127.0.0.1/32'] },
      sessionTimerSec: 0,
    });
  });

  it('needs SIP_DOMAIN with SIP_USERNAME', () => {
    const result = configSchema.safeParse({ username: '1001' });
    expect(result.error?.issues).toMatchObject([
      {
        path: ['domain'],
        message: 'is required when sip.username is set (SIP_DOMAIN, e.g. pbx.example.com)',
      },
    ]);
  });

  it('knows every option the adapter has, so that no option is refused in a config file', () => {
    // When SipAdapterOptions gains an option, this fails to typecheck until the schema has it too.
    type SectionKeys = keyof z.output<typeof configSchema>;
    expectTypeOf<Exclude<keyof SipAdapterOptions, SectionKeys>>().toEqualTypeOf<never>();
    expectTypeOf<keyof SipTrunkOptions>().toEqualTypeOf<keyof z.output<typeof sipTrunkOptionsSchema>>();
    expectTypeOf<keyof SipAccountOptions>().toEqualTypeOf<keyof z.output<typeof sipAccountOptionsSchema>>();
    expect(Object.keys(configSchema.shape)).toEqual(expect.arrayContaining(['trunk', 'accounts', 'limits']));
  });
});
