// Option checking happens before anything connects, and its errors name the key without echoing secrets.
import { describe, expect, it } from 'vitest';
import { ConnectyCubeOptionsError, connectycube } from '../src/index.ts';

const user = { login: 'gw', password: 'very-secret' };

describe('connectycube() options', () => {
  it.each([
    [
      { appId: 'x', authKey: 'k', identities: { mode: 'gateway', user } },
      /^appId: expected a positive integer/,
    ],
    [{ appId: 1, authKey: '', identities: { mode: 'gateway', user } }, /^authKey:/],
    [
      { appId: 1, authKey: 'k', identities: { mode: 'other' } },
      /^identities\.mode: expected 'gateway' or 'mirrored'/,
    ],
    [
      { appId: 1, authKey: 'k', identities: { mode: 'mirrored', users: [] } },
      /^identities\.users: expected at least/,
    ],
    [
      { appId: 1, authKey: 'k', identities: { mode: 'mirrored', users: [{ login: 'a', password: 'p' }] } },
      /^identities\.users\[0\]\.sip:/,
    ],
    [
      { appId: 1, authKey: 'k', identities: { mode: 'gateway', user: { login: 'gw', password: '' } } },
      /^identities\.user\.password:/,
    ],
    [
      { appId: 1, authKey: 'k', identities: { mode: 'gateway', user }, dialingIntervalMs: -5 },
      /^dialingIntervalMs: expected a positive number/,
    ],
  ])('rejects %j', (options, message) => {
    const create = () => connectycube(options as never);
    expect(create).toThrow(ConnectyCubeOptionsError);
    expect(create).toThrow(message);
  });

  it('never puts a password in an error message', () => {
    const messages = [
      { appId: 0, authKey: 'k', identities: { mode: 'gateway', user } },
      { appId: 1, authKey: 'k', identities: { mode: 'gateway', user: { password: 'very-secret' } } },
    ].map((options) => {
      try {
        connectycube(options as never);
        return 'accepted';
      } catch (error) {
        return String(error);
      }
    });
    expect(messages).toHaveLength(2);
    for (const message of messages)
      expect(message).toMatch(/^ConnectyCubeOptionsError: (appId|identities\.user)/);
    expect(messages.join('\n')).not.toContain('very-secret');
  });

  it('accepts a valid gateway configuration without connecting anything', () => {
    const platform = connectycube({ appId: 7, authKey: 'k', identities: { mode: 'gateway', user } });
    expect(platform.name).toBe('connectycube');
  });
});
