// The `cubebridge` command as a user runs it: a real process, real signals, real output.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const cli = resolve(import.meta.dirname, '../src/cli/main.ts');
const secrets = {
  SIP_PASSWORD: 'sip-pass-0451',
  CONNECTYCUBE_AUTH_SECRET: 'cc-secret-9981',
  CONNECTYCUBE_AUTH_KEY: 'cc-key-7712',
};
const running: ChildProcess[] = [];

afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
});

function run(args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const child = spawn(process.execPath, ['--conditions=@cubebridge/source', cli, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number>((done) => child.on('exit', (code) => done(code ?? -1)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

const emptyProject = () => mkdtempSync(join(tmpdir(), 'cubebridge-cli-'));

/** A project with the workspace's packages installed (adapters, metrics and routing plugins), and this config. */
function projectWithPackages(config: unknown): string {
  const cwd = emptyProject();
  symlinkSync(resolve(import.meta.dirname, '../../node_modules'), join(cwd, 'node_modules'));
  writeFileSync(join(cwd, 'cubebridge.config.json'), JSON.stringify(config));
  return cwd;
}

describe('cubebridge CLI', () => {
  it('--version and --help', async () => {
    const version = run(['--version'], { cwd: emptyProject() });
    expect(await version.exited).toBe(0);
    expect(version.output().stdout.trim()).toBe('0.1.0');
    const help = run(['--help'], { cwd: emptyProject() });
    expect(await help.exited).toBe(0);
    expect(help.output().stdout).toContain('cubebridge check-config');
  });

  it('check-config prints the resolved config with every secret masked', async () => {
    const cwd = projectWithPackages({
      sip: { accounts: [{ username: '1002', domain: 'pbx', password: 'file-pass-3321' }] },
    });
    const check = run(['check-config'], {
      cwd,
      env: { SIP_DOMAIN: 'pbx', SIP_USERNAME: '1001', ...secrets },
    });
    expect(await check.exited).toBe(0);
    const { stdout } = check.output();
    for (const secret of [...Object.values(secrets), 'file-pass-3321']) expect(stdout).not.toContain(secret);
    expect(stdout).toContain('"password": "[redacted]"');
    expect(stdout).toContain('"sip.password": "SIP_PASSWORD"');
    expect(stdout).toContain('configuration is valid');
  });

  it('check-config with a bad value exits 2 and names the key and the variable', async () => {
    const check = run(['check-config'], { cwd: emptyProject(), env: { CUBEBRIDGE_HTTP_PORT: '99999' } });
    expect(await check.exited).toBe(2);
    expect(check.output().stderr).toContain(
      'http.port (from CUBEBRIDGE_HTTP_PORT): must be 0 to 65535 (found: 99999)',
    );
  });

  // The adapter's section is checked by the adapter's own schema: a misspelt key is not silently ignored (which
  // left the trunk answering any source), in check-config as in start, before anything listens.
  it('a misspelt key in an adapter section fails check-config and start with exit 2, naming the key meant', async () => {
    const cwd = projectWithPackages({
      sip: { trunk: { listen: { host: '127.0.0.1', port: 0 }, allowfrom: ['127.0.0.1/32'] } },
      sandbox: { enabled: 'off' },
    });
    const expected =
      '  - sip.trunk.allowfrom: unknown key — did you mean allowFrom? (found: ["127.0.0.1/32"])';
    for (const command of ['check-config', 'start']) {
      const child = run([command], { cwd, env: { CUBEBRIDGE_HTTP_PORT: '0' } });
      expect(await child.exited, command).toBe(2);
      expect(child.output().stderr, command).toContain(expected);
      expect(child.output().stdout, command).not.toContain('gateway started');
    }
  });

  it('check-config validates plugin options as start does, with exit 2', async () => {
    const cwd = projectWithPackages({ plugins: [['@cubebridge/plugin-metrics', { callPath: '/calls' }]] });
    const check = run(['check-config'], { cwd });
    expect(await check.exited).toBe(2);
    expect(check.output().stderr).toContain(
      '  - plugins.0.1.callPath: unknown key — did you mean callsPath? (found: "/calls")',
    );
  });

  it('start runs until SIGTERM, then drains and exits 0, with no secret in its logs', async () => {
    const cwd = emptyProject();
    // An adapter of the project's own (a relative path is allowed) that logs the options it got:
    // the secrets in them must come out redacted.
    writeFileSync(
      join(cwd, 'logging-adapter.js'),
      `export default function create(options, { logger }) {
        logger.debug({ options }, 'logging-adapter created');
        return {
          name: 'logging-adapter',
          incoming$: { subscribe: () => ({ unsubscribe() {} }) },
          async start(context) { context.logger.info({ accounts: options.accounts }, 'logging-adapter accounts'); },
          async stop() {},
          async call() { throw new Error('no calls here'); },
        };
      }\n`,
    );
    writeFileSync(
      join(cwd, 'cubebridge.config.json'),
      JSON.stringify({
        sip: { adapter: './logging-adapter.js' },
        media: { adapter: './logging-adapter.js' },
        connectycube: { adapter: './logging-adapter.js' },
      }),
    );
    const gateway = run(['start'], {
      cwd,
      env: {
        CUBEBRIDGE_HTTP_PORT: '0',
        LOG_LEVEL: 'debug',
        CUBEBRIDGE_LOG_FORMAT: 'json',
        SIP_DOMAIN: 'pbx',
        SIP_USERNAME: '1001',
        ...secrets,
      },
    });
    const started = Date.now();
    while (!gateway.output().stdout.includes('gateway started')) {
      if (Date.now() - started > 20_000 || gateway.child.exitCode !== null) {
        throw new Error(`did not start: ${JSON.stringify(gateway.output())}`);
      }
      await new Promise((done) => setTimeout(done, 50));
    }
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    const { stdout, stderr } = gateway.output();
    expect(stdout).toContain('signal received: draining');
    expect(stdout).toContain('gateway stopped');
    expect(stdout).toContain('logging-adapter accounts');
    expect(stdout).toContain('"password":"[redacted]"');
    for (const secret of Object.values(secrets)) expect(stdout + stderr).not.toContain(secret);
  });

  it('start survives an exception and a rejection nothing handled: each logged once, the gateway goes on', async () => {
    const cwd = emptyProject();
    // An adapter with a bug outside any call: a timer that throws, a promise nobody catches.
    writeFileSync(
      join(cwd, 'faulty-adapter.js'),
      `export default function create() {
        return {
          name: 'faulty-adapter',
          incoming$: { subscribe: () => ({ unsubscribe() {} }) },
          async start() {
            setTimeout(() => { throw new Error('thrown from a timer'); }, 50);
            setTimeout(() => void Promise.reject(new Error('rejected and forgotten')), 60);
          },
          async stop() {},
          async call() { throw new Error('no calls here'); },
        };
      }\n`,
    );
    writeFileSync(
      join(cwd, 'cubebridge.config.json'),
      JSON.stringify({
        sip: { adapter: './faulty-adapter.js' },
        connectycube: { adapter: './quiet-adapter.js' },
      }),
    );
    writeFileSync(
      join(cwd, 'quiet-adapter.js'),
      `export default function create() {
        return {
          name: 'quiet-adapter',
          incoming$: { subscribe: () => ({ unsubscribe() {} }) },
          async start() {},
          async stop() {},
          async call() { throw new Error('no calls here'); },
        };
      }\n`,
    );
    const env = { CUBEBRIDGE_HTTP_PORT: '0', CUBEBRIDGE_LOG_FORMAT: 'json' };
    const survive = async (extra: Record<string, string>) => {
      const gateway = run(['start'], { cwd, env: { ...env, ...extra } });
      const started = Date.now();
      while (!gateway.output().stdout.includes('rejected and forgotten')) {
        if (Date.now() - started > 20_000 || gateway.child.exitCode !== null) break;
        await new Promise((done) => setTimeout(done, 50));
      }
      return gateway;
    };

    const gateway = await survive({});
    await new Promise((done) => setTimeout(done, 300));
    expect(gateway.child.exitCode).toBe(null);
    const lines = gateway.output().stdout.split('\n');
    expect(lines.filter((line) => line.includes('thrown from a timer'))).toHaveLength(1);
    expect(lines.filter((line) => line.includes('rejected and forgotten'))).toHaveLength(1);
    expect(gateway.output().stdout).toContain('an exception reached the process; the gateway goes on');
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);

    // Opted in to crash-only: drained, stopped, exit 70.
    const strict = await survive({ CUBEBRIDGE_EXIT_ON_UNCAUGHT: '1' });
    expect(await strict.exited).toBe(70);
    expect(strict.output().stdout).toContain('gateway stopped');
  });
});
