import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactSecrets, validateConfig } from '../src/index.ts';

function issuesOf(input: unknown): Array<{ path: string; message: string; found: string }> {
  try {
    validateConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  throw new Error('the configuration was accepted');
}

describe('configuration errors name the key, what was found, and what is allowed', () => {
  const table: Array<[string, unknown, { path: string; message: string; found: string }]> = [
    [
      'a port that is not a number',
      { http: { port: 'eighty' } },
      {
        path: 'http.port',
        message: 'must be a port number (0 to 65535; 0 picks a free port)',
        found: '"eighty"',
      },
    ],
    [
      'a port out of range',
      { http: { port: 70000 } },
      { path: 'http.port', message: 'must be 0 to 65535', found: '70000' },
    ],
    [
      'an unknown log level',
      { logLevel: 'verbose' },
      {
        path: 'logLevel',
        message: 'Invalid option: expected one of "fatal"|"error"|"warn"|"info"|"debug"|"trace"|"silent"',
        found: '"verbose"',
      },
    ],
    [
      'a mapping key that is not a SIP URI',
      { mappings: { 'joao@empresa.com': '12345' } },
      {
        path: 'mappings.joao@empresa.com',
        message: "key 'joao@empresa.com' is not a SIP URI: write it like sip:joao@empresa.com",
        found: '"12345"',
      },
    ],
    [
      'an empty mapping target',
      { mappings: { 'sip:joao@empresa.com': '' } },
      { path: 'mappings.sip:joao@empresa.com', message: 'must be a ConnectyCube user id', found: '""' },
    ],
    [
      'an account without domain',
      { sip: { accounts: [{ username: '1001', password: 's3cret' }] } },
      {
        path: 'sip.accounts.0.domain',
        message: 'is required: the SIP domain, e.g. pbx.example.com',
        found: 'nothing',
      },
    ],
    [
      'an account server without scheme',
      { sip: { accounts: [{ username: '1001', domain: 'pbx', server: 'pbx:5060' }] } },
      {
        path: 'sip.accounts.0.server',
        message: 'must be a URL like udp://pbx.example.com:5060 or wss://pbx.example.com/ws',
        found: '"pbx:5060"',
      },
    ],
    [
      'an unknown identity mode',
      { connectycube: { identity: 'shared' } },
      {
        path: 'connectycube.identity',
        message: 'Invalid option: expected one of "gateway"|"mirrored"',
        found: '"shared"',
      },
    ],
    [
      'an app id that is not a number',
      { connectycube: { appId: 'abc' } },
      { path: 'connectycube.appId', message: 'must be a number', found: '"abc"' },
    ],
    [
      'a plugin entry of the wrong kind',
      { plugins: [42] },
      {
        path: 'plugins.0',
        message:
          'must be a package name, a plugin made with definePlugin(), [plugin, options], or { package, options }',
        found: '42',
      },
    ],
    [
      'an adapter that is not a package name',
      { sip: { adapter: 'Not A Package!' } },
      {
        path: 'sip.adapter',
        message:
          'must be an npm package name (`@cubebridge/sip`, `cubebridge-plugin-x`) or a relative path (`./my-plugin.js`)',
        found: '"Not A Package!"',
      },
    ],
    [
      'a misspelt top-level key',
      { sipp: {} },
      {
        path: '',
        message:
          'Unrecognized key: "sipp"; allowed here: name, logLevel, logFormat, http, stateDir, drainTimeoutMs, sip, media, connectycube, sandbox, mappings, plugins',
        found: '{"sipp":{}}',
      },
    ],
    [
      'a malformed HA1 (a secret: its value is not shown)',
      { sip: { accounts: [{ username: '1', domain: 'd', ha1: 'xyz' }] } },
      { path: 'sip.accounts.0.ha1', message: 'must be 32 hex digits', found: '[redacted]' },
    ],
    [
      'the seed username without SIP_DOMAIN',
      { sip: { username: '1001', password: 'pw' } },
      {
        path: 'sip.domain',
        message: 'is required when sip.username is set (SIP_DOMAIN, e.g. pbx.example.com)',
        found: 'nothing',
      },
    ],
  ];
  for (const [name, input, expected] of table) {
    it(name, () => expect(issuesOf(input)).toEqual([expected]));
  }

  it('reports every problem at once, and the message lists them', () => {
    let message = '';
    try {
      validateConfig({ http: { port: -1 }, logLevel: 'loud' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('http.port: must be 0 to 65535 (found: -1)');
    expect(message).toContain('logLevel: Invalid option');
  });
});

describe('configuration sources', () => {
  function project(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'cubebridge-config-'));
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    return dir;
  }

  it("reads the seed's environment names and user mappings", async () => {
    const { config, environmentSources } = await loadConfig({
      cwd: project({}),
      env: {
        SIP_DOMAIN: 'sip.empresa.com',
        SIP_USERNAME: 'gateway',
        SIP_PASSWORD: 'pw',
        CONNECTYCUBE_APP_ID: '1234',
        CONNECTYCUBE_AUTH_KEY: 'key',
        CONNECTYCUBE_AUTH_SECRET: 'secret',
        CONNECTYCUBE_ACCOUNT_KEY: 'account',
        CONNECTYCUBE_GATEWAY_LOGIN: 'gateway',
        CONNECTYCUBE_GATEWAY_PASSWORD: 'gw-pass',
        USER_MAPPINGS: 'sip:joao@empresa.com=12345, sip:maria@empresa.com=67890',
      },
    });
    expect(config.sip).toMatchObject({
      accounts: [{ username: 'gateway', domain: 'sip.empresa.com', password: 'pw' }],
    });
    expect(config.connectycube).toMatchObject({
      appId: 1234,
      authKey: 'key',
      authSecret: 'secret',
      accountKey: 'account',
      user: { login: 'gateway', password: 'gw-pass' },
    });
    expect(config.mappings).toEqual({ 'sip:joao@empresa.com': '12345', 'sip:maria@empresa.com': '67890' });
    expect(environmentSources.get('sip.username')).toBe('SIP_USERNAME');
  });

  it('layers defaults < JSON file < .env < environment', async () => {
    const cwd = project({
      'cubebridge.config.json': JSON.stringify({
        logLevel: 'warn',
        http: { port: 9000 },
        mappings: { 'sip:a@b': '1' },
      }),
      '.env': 'CUBEBRIDGE_HTTP_PORT=9100\nCUBEBRIDGE_LOG_LEVEL=debug\n',
    });
    const { config, file } = await loadConfig({ cwd, env: { CUBEBRIDGE_LOG_LEVEL: 'error' } });
    expect(file).toBe(join(cwd, 'cubebridge.config.json'));
    expect(config.http).toEqual({ enabled: true, host: '127.0.0.1', port: 9100 });
    expect(config.logLevel).toBe('error');
    expect(config.mappings).toEqual({ 'sip:a@b': '1' });
  });

  it('loads cubebridge.config.ts with its default export', async () => {
    const cwd = project({
      'cubebridge.config.ts':
        "const config: { logLevel: 'debug'; drainTimeoutMs: number } = { logLevel: 'debug', drainTimeoutMs: 5 };\nexport default config;\n",
    });
    const { config } = await loadConfig({ cwd, env: {} });
    expect(config.logLevel).toBe('debug');
    expect(config.drainTimeoutMs).toBe(5);
  });

  it('names the environment variable a bad value came from', async () => {
    await expect(loadConfig({ cwd: project({}), env: { CUBEBRIDGE_HTTP_PORT: 'x' } })).rejects.toThrow(
      'http.port (from CUBEBRIDGE_HTTP_PORT): must be a port number',
    );
    await expect(
      loadConfig({ cwd: project({}), env: { USER_MAPPINGS: 'sip:joao@empresa.com' } }),
    ).rejects.toThrow('each entry must look like sip:joao@empresa.com=12345');
  });

  it('says where a JSON file is broken, and that a --config file is missing', async () => {
    await expect(
      loadConfig({ cwd: project({ 'cubebridge.config.json': '{ "logLevel": ' }), env: {} }),
    ).rejects.toThrow(/not valid JSON/);
    await expect(loadConfig({ cwd: project({}), configPath: 'nope.json', env: {} })).rejects.toThrow(
      /no such file/,
    );
  });
});

describe('secrets', () => {
  it('are masked by key name at any depth, keeping the shape', () => {
    const redacted = redactSecrets({
      sip: { accounts: [{ username: 'u', password: 'hunter2', ha1: 'abc' }] },
      connectycube: { authKey: 'k', authSecret: 's', accountKey: 'a', appId: 1 },
    });
    expect(JSON.stringify(redacted)).not.toMatch(/hunter2|"k"|"s"|"a"|abc/);
    expect(redacted).toMatchObject({
      sip: { accounts: [{ username: 'u', password: '[redacted]' }] },
      connectycube: { appId: 1 },
    });
  });
});
