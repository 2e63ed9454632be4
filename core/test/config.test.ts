import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkConfig,
  closestKey,
  ConfigError,
  loadConfig,
  redactSecrets,
  validateConfig,
} from '../src/index.ts';

/** The workspace root: its package.json depends on the adapters and on the metrics and routing plugins. */
const workspace = resolve(import.meta.dirname, '../..');

/** Validated as `cubebridge check-config` and `start` do: the core's keys, then each section by its owner. */
async function issuesOf(input: unknown): Promise<Array<{ path: string; message: string; found: string }>> {
  try {
    await checkConfig(validateConfig(input), { projectDir: workspace });
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
      { path: 'sipp', message: 'unknown key — did you mean sip?', found: '{}' },
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
    it(name, async () => expect(await issuesOf(input)).toEqual([expected]));
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

describe('typos inside adapter and plugin sections are errors that name the path and the key meant', () => {
  const trunk = { listen: { host: '127.0.0.1', port: 5060 } };
  const table: Array<[string, unknown, { path: string; message: string; found: string }]> = [
    [
      'allowfrom for allowFrom (the allow-list would be off)',
      { sip: { trunk: { ...trunk, allowfrom: ['127.0.0.1/32'] } } },
      {
        path: 'sip.trunk.allowfrom',
        message: 'unknown key — did you mean allowFrom?',
        found: '["127.0.0.1/32"]',
      },
    ],
    [
      'a port in quotes',
      { sip: { trunk: { listen: { host: '127.0.0.1', port: '5060' } } } },
      {
        path: 'sip.trunk.listen.port',
        message: 'must be a number, not a string: write 5060 without quotes',
        found: '"5060"',
      },
    ],
    [
      'two letters swapped, in a nested section',
      { sip: { trunk: { ...trunk, security: { rateLimit: { windwoSec: 2 } } } } },
      {
        path: 'sip.trunk.security.rateLimit.windwoSec',
        message: 'unknown key — did you mean windowSec?',
        found: '2',
      },
    ],
    [
      'a letter missing, in an account (a secret: its value is not shown)',
      { sip: { accounts: [{ username: '1001', domain: 'pbx', pasword: 'hunter2' }] } },
      {
        path: 'sip.accounts.0.pasword',
        message: 'unknown key — did you mean password?',
        found: '[redacted]',
      },
    ],
    [
      'the section key the core owns',
      { sip: { adaptor: '@cubebridge/sip', trunk } },
      { path: 'sip.adaptor', message: 'unknown key — did you mean adapter?', found: '"@cubebridge/sip"' },
    ],
    [
      'a key like none known: the known ones are listed',
      { sip: { trunk: { ...trunk, colour: 'blue' } } },
      {
        path: 'sip.trunk.colour',
        message:
          'unknown key; allowed here: name, listen, transport, tls, advertisedHost, allowFrom, disallowed, auth, user, security',
        found: '"blue"',
      },
    ],
    [
      'a media option in the singular',
      { media: { rtpPort: [10000, 20000] } },
      { path: 'media.rtpPort', message: 'unknown key — did you mean rtpPorts?', found: '[10000,20000]' },
    ],
    [
      'a ConnectyCube app id in quotes',
      { connectycube: { appId: '1234', authKey: 'k' } },
      {
        path: 'connectycube.appId',
        message: 'must be a number, not a string: write 1234 without quotes',
        found: '"1234"',
      },
    ],
    [
      'a ConnectyCube endpoint in the wrong case',
      { connectycube: { endpoints: { chaturl: 'ws://127.0.0.1:18080/ws' } } },
      {
        path: 'connectycube.endpoints.chaturl',
        message: 'unknown key — did you mean chatUrl?',
        found: '"ws://127.0.0.1:18080/ws"',
      },
    ],
    [
      'a plugin option, [plugin, options] form',
      { plugins: [['@cubebridge/plugin-metrics', { callPath: '/calls' }]] },
      { path: 'plugins.0.1.callPath', message: 'unknown key — did you mean callsPath?', found: '"/calls"' },
    ],
    [
      'a plugin option, { package, options } form',
      { plugins: [{ package: '@cubebridge/plugin-routing', options: { rulesfile: './rules.json' } }] },
      {
        path: 'plugins.0.options.rulesfile',
        message: 'unknown key — did you mean rulesFile?',
        found: '"./rules.json"',
      },
    ],
    [
      'a number in quotes in a plugin option',
      { plugins: [['@cubebridge/plugin-routing', { rules: [{ ring: ['7'], ringTimeoutSec: '20' }] }]] },
      {
        path: 'plugins.0.1.rules.0.ringTimeoutSec',
        message: 'must be a number, not a string: write 20 without quotes',
        found: '"20"',
      },
    ],
  ];
  for (const [name, input, expected] of table) {
    it(name, async () => expect(await issuesOf(input)).toEqual([expected]));
  }

  it('every section is checked, and every problem reported at once', async () => {
    const issues = await issuesOf({
      sip: { trunk: { ...trunk, allowfrom: [] } },
      media: { srtp: 'yes' },
      plugins: [['@cubebridge/plugin-metrics', { prefx: 'x_' }]],
    });
    expect(issues.map((issue) => issue.path)).toEqual([
      'sip.trunk.allowfrom',
      'media.srtp',
      'plugins.0.1.prefx',
    ]);
  });

  it('in plugins resolved from their own package (transfer, recording)', async () => {
    const inPackage = async (dir: string, input: unknown) => {
      const error = await checkConfig(validateConfig(input), { projectDir: join(workspace, dir) }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).issues;
    };
    expect(
      await inPackage('plugins/transfer', {
        plugins: [['@cubebridge/plugin-transfer', { ringTimeoutsec: 30 }]],
      }),
    ).toEqual([
      {
        path: 'plugins.0.1.ringTimeoutsec',
        message: 'unknown key — did you mean ringTimeoutSec?',
        found: '30',
      },
    ]);
    expect(
      await inPackage('plugins/recording', {
        plugins: [{ package: '@cubebridge/plugin-recording', options: { redis: { host: 'r', prot: 6379 } } }],
      }),
    ).toEqual([
      { path: 'plugins.0.options.redis.prot', message: 'unknown key — did you mean port?', found: '6379' },
    ]);
  });

  it('plugin dependencies are checked as the plugin host checks them at start', async () => {
    const projectDir = mkdtempSync(join(tmpdir(), 'cubebridge-config-'));
    writeFileSync(
      join(projectDir, 'needs-auth.js'),
      "export default { [Symbol.for('cubebridge.plugin')]: true, name: 'recording', dependencies: ['auth'], setup() {} };\n",
    );
    await expect(
      checkConfig(validateConfig({ plugins: ['./needs-auth.js'] }), { projectDir }),
    ).rejects.toThrow(
      "Plugin 'recording': needs plugin 'auth', which is not in the plugin list; add it to the config",
    );
  });

  it('a plugin listed by name alone gets the defaults of its options', async () => {
    await expect(
      checkConfig(validateConfig({ plugins: ['@cubebridge/plugin-routing', '@cubebridge/plugin-metrics'] }), {
        projectDir: workspace,
      }),
    ).resolves.toEqual({ unchecked: [] });
  });

  it('numbers from environment variables are strings by nature, and are taken as numbers', async () => {
    const { config, environmentSources } = await loadConfig({
      cwd: mkdtempSync(join(tmpdir(), 'cubebridge-config-')),
      env: { CONNECTYCUBE_APP_ID: '1234', CONNECTYCUBE_AUTH_KEY: 'k', CUBEBRIDGE_HTTP_PORT: '9100' },
    });
    await expect(checkConfig(config, { projectDir: workspace, environmentSources })).resolves.toEqual({
      unchecked: [],
    });
    expect(config.connectycube).toMatchObject({ appId: 1234 });
    expect(config.http.port).toBe(9100);
  });

  it('an error in a section set from the environment names the variable', async () => {
    const { config, environmentSources } = await loadConfig({
      cwd: mkdtempSync(join(tmpdir(), 'cubebridge-config-')),
      env: { CONNECTYCUBE_APP_ID: 'abc' },
    });
    await expect(checkConfig(config, { projectDir: workspace, environmentSources })).rejects.toThrow(
      'connectycube.appId (from CONNECTYCUBE_APP_ID): must be a number (found: "abc")',
    );
  });

  it('a section for an adapter that exports no schema is passed on unchecked, and said so', async () => {
    const projectDir = mkdtempSync(join(tmpdir(), 'cubebridge-config-'));
    writeFileSync(join(projectDir, 'adapter.js'), 'export default () => ({});\n');
    await expect(
      checkConfig(validateConfig({ sip: { adapter: './adapter.js', anything: 1 } }), { projectDir }),
    ).resolves.toEqual({ unchecked: ['sip (./adapter.js exports no configSchema)'] });
  });
});

describe('the closest known key', () => {
  it('prefers the same letters in another case, then the fewest edits, within a third of the length', () => {
    expect(closestKey('allowfrom', ['allowFrom', 'allowfroms'])).toBe('allowFrom');
    expect(closestKey('lsiten', ['listen', 'list'])).toBe('listen');
    expect(closestKey('trnk', ['trunk', 'timers'])).toBe('trunk');
    expect(closestKey('colour', ['listen', 'transport', 'tls'])).toBeUndefined();
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
    // The seed's account is the SIP adapter's to fold into its accounts (see the sip package's fromConfig tests).
    expect(config.sip).toMatchObject({ username: 'gateway', domain: 'sip.empresa.com', password: 'pw' });
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
