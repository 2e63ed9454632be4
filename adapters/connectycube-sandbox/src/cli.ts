// `cubebridge sandbox`: runs the sandbox in the foreground until SIGINT/SIGTERM, printing what an app needs to use it.
import { parseArgs } from 'node:util';
import type { JanusOption, SandboxLogger, SandboxOptions, SandboxUserSeed } from './SandboxTypes.ts';
import { startSandbox } from './Sandbox.ts';

const usage = `cubebridge sandbox: a local ConnectyCube-compatible server for the unmodified connectycube SDK

Options:
  --host <ip>             interface to listen on (default 127.0.0.1; keep it on loopback)
  --port <n>              port (default 0: a free one)
  --app-id <n>            application id (default 1)
  --auth-key <key>        auth key (default sandbox-auth-key)
  --user <login:password[:Full Name]>   a seed user (repeatable; default alice, bob, carol)
  --janus <auto|off|path> conferences through a stock Janus (default auto: used when installed)
  --softphone <dir>       serve this folder (examples/web-softphone) at /softphone/
  --help`;

/** Runs until SIGINT/SIGTERM (or `signal` aborts); resolves with the process exit code. */
export async function runSandboxCli(argv: readonly string[], signal?: AbortSignal): Promise<number> {
  let options: SandboxOptions;
  try {
    options = parseCliOptions(argv);
  } catch (error) {
    process.stderr.write(
      `cubebridge sandbox: ${error instanceof Error ? error.message : String(error)}\n\n${usage}\n`,
    );
    return 2;
  }
  if (options === helpRequested) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const sandbox = await startSandbox({ ...options, logger: consoleLogger });
  const lines = [
    'using the local ConnectyCube sandbox',
    `  REST    ${sandbox.apiEndpoint}`,
    `  chat    ${sandbox.chatEndpoint}`,
    `  conference ${sandbox.conferenceEndpoint ?? 'off (janus is not installed or was turned off)'}`,
    ...(sandbox.softphoneUrl ? [`  softphone ${sandbox.softphoneUrl}`] : []),
    `  admin   ${sandbox.apiEndpoint}/admin`,
    `  users   ${sandbox.users.map((user) => `${user.login} (id ${user.id})`).join(', ')}`,
    `  ConnectyCube.init(${JSON.stringify({ appId: sandbox.credentials.appId, authKey: sandbox.credentials.authKey })}, ${JSON.stringify(sandbox.sdkConfig())})`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    signal?.addEventListener('abort', stop);
    if (signal?.aborted) stop();
  });
  await sandbox.close();
  return 0;
}

const helpRequested: SandboxOptions = Object.freeze({});

function parseCliOptions(argv: readonly string[]): SandboxOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'app-id': { type: 'string' },
      'auth-key': { type: 'string' },
      user: { type: 'string', multiple: true },
      janus: { type: 'string' },
      softphone: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return helpRequested;
  return {
    ...(values.host ? { host: values.host } : {}),
    ...(values.port ? { port: integer('--port', values.port) } : {}),
    ...(values['app-id'] ? { appId: integer('--app-id', values['app-id']) } : {}),
    ...(values['auth-key'] ? { authKey: values['auth-key'] } : {}),
    ...(values.user ? { users: values.user.map(parseUser) } : {}),
    ...(values.janus ? { janus: values.janus as JanusOption } : {}),
    ...(values.softphone ? { staticDir: values.softphone } : {}),
  };
}

function integer(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer, got '${text}'`);
  return value;
}

function parseUser(text: string): SandboxUserSeed {
  const [login, password, ...name] = text.split(':');
  if (!login || !password) throw new Error(`--user must look like login:password[:Full Name], got '${text}'`);
  return { login, password, ...(name.length > 0 ? { fullName: name.join(':') } : {}) };
}

/** Plain lines on stderr, pino-style arguments (`(object, message)` or `(message)`). */
const consoleLogger: SandboxLogger = Object.fromEntries(
  (['debug', 'info', 'warn', 'error'] as const).map((level) => [
    level,
    (first: unknown, second?: unknown) => {
      if (level === 'debug') return;
      const message = typeof first === 'string' ? first : String(second ?? '');
      const details = typeof first === 'object' && first !== null ? ` ${JSON.stringify(first)}` : '';
      process.stderr.write(`[sandbox] ${level}: ${message}${details}\n`);
    },
  ]),
) as unknown as SandboxLogger;
