// `cubebridge sandbox` as a real process: it prints the endpoints and the SDK config, serves the softphone folder,
// refuses bad arguments with exit code 2, and exits 0 on SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
const softphoneDir = fileURLToPath(new URL('../../../examples/web-softphone/', import.meta.url));
const script = `import { runSandboxCli } from ${JSON.stringify(entry)}; process.exitCode = await runSandboxCli(process.argv.slice(1));`;

describe('runSandboxCli', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });

  function run(args: string[]): {
    child: ChildProcess;
    output: () => string;
    exited: Promise<number | null>;
  } {
    const child = spawn(
      process.execPath,
      ['--conditions=@cubebridge/source', '--input-type=module', '-e', script, '--', ...args],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, output: () => output, exited };
  }

  it('starts with the given users and softphone folder, prints what an app needs, and stops on SIGTERM', async () => {
    const { child, output, exited } = run([
      '--port',
      '0',
      '--app-id',
      '9',
      '--user',
      'dave:dave-password:Dave D',
      '--janus',
      'off',
      '--softphone',
      softphoneDir,
    ]);
    await expect.poll(output, { timeout: 20_000 }).toContain('ConnectyCube.init(');
    expect(output()).toContain('using the local ConnectyCube sandbox');
    expect(output()).toContain('dave (id 1001)');
    expect(output()).not.toContain('dave-password');
    const api = /REST\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output())?.[1];
    expect(api).toBeDefined();
    const config = (await (await fetch(`${api}/sandbox/config.json`)).json()) as {
      credentials: { appId: number };
    };
    expect(config.credentials.appId).toBe(9);
    const page = await fetch(`${api}/softphone/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/vendor/connectycube.min.js');
    const sdk = await fetch(`${api}/vendor/connectycube.min.js`);
    expect(sdk.status).toBe(200);
    expect((await sdk.text()).length).toBeGreaterThan(100_000);
    // An encoded traversal survives URL normalisation and must still not leave the folder.
    expect((await fetch(`${api}/softphone/..%2f..%2fvitest.config.ts`)).status).toBe(404);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses a bad argument with exit code 2 and the usage', async () => {
    const { output, exited } = run(['--port', 'many']);
    expect(await exited).toBe(2);
    expect(output()).toContain('--port must be a non-negative integer');
    expect(output()).toContain('Options:');
  });
});
