#!/usr/bin/env node
// The `cubebridge` command: start a gateway from a config file, check a config, or run the local sandbox.
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { checkConfig } from '../config/checkConfig.ts';
import { loadConfig } from '../config/loadConfig.ts';
import { redactSecrets } from '../config/secrets.ts';
import { ConfigError, CubeBridgeError, errorMessage } from '../errors.ts';
import { coreVersion, createGateway, type Gateway } from '../gateway/Gateway.ts';
import { installProcessSafetyNet } from '../gateway/processSafetyNet.ts';
import { Tokens } from '../gateway/tokens.ts';
import { resolveFromProject } from '../plugins/loadPlugin.ts';
import { pathToFileURL } from 'node:url';

const usage = `cubebridge ${coreVersion}: a gateway between SIP telephony and ConnectyCube

Usage:
  cubebridge start [--config <file>]         start the gateway (SIGTERM/SIGINT drain the calls, then exit 0)
  cubebridge check-config [--config <file>]  validate the configuration and print it, secrets masked
  cubebridge sandbox [options]               run the local ConnectyCube-compatible sandbox alone
  cubebridge --version | --help

The configuration is read from cubebridge.config.{ts,mts,js,mjs,json} in the current directory (or --config),
then .env, then environment variables (SIP_DOMAIN, SIP_USERNAME, SIP_PASSWORD, CONNECTYCUBE_APP_ID,
CONNECTYCUBE_AUTH_KEY, CONNECTYCUBE_AUTH_SECRET, CONNECTYCUBE_ACCOUNT_KEY, USER_MAPPINGS, LOG_LEVEL, ...).`;

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${usage}\n`);
    return command === undefined ? 1 : 0;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${coreVersion}\n`);
    return 0;
  }
  try {
    switch (command) {
      case 'start':
        return await start(rest);
      case 'check-config':
        return await printConfig(rest);
      case 'sandbox':
        return await sandbox(rest);
      default:
        process.stderr.write(`cubebridge: unknown command '${command}'\n\n${usage}\n`);
        return 1;
    }
  } catch (error) {
    if (error instanceof CubeBridgeError) {
      process.stderr.write(`cubebridge: ${error.message}\n`);
      return error instanceof ConfigError ? 2 : 1;
    }
    process.stderr.write(`cubebridge: ${errorMessage(error)}\n`);
    return 1;
  }
}

function configOption(args: readonly string[]): string | undefined {
  const { values } = parseArgs({
    args: [...args],
    options: { config: { type: 'string', short: 'c' } },
    strict: true,
  });
  return values.config;
}

/** The configuration with every section validated by its owner: what both `check-config` and `start` read. */
async function loadCheckedConfig(args: readonly string[]) {
  const loaded = await loadConfig({ configPath: configOption(args) });
  const checked = await checkConfig(loaded.config, {
    source: loaded.file ?? 'defaults and environment',
    environmentSources: loaded.environmentSources,
  });
  return { ...loaded, ...checked };
}

async function printConfig(args: readonly string[]): Promise<number> {
  const { config, file, environmentSources, unchecked } = await loadCheckedConfig(args);
  const report = {
    file: file ?? '(none: defaults and environment only)',
    fromEnvironment: Object.fromEntries(environmentSources),
    ...(unchecked.length > 0 ? { unchecked } : {}),
    config: redactSecrets(config),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\nconfiguration is valid\n`);
  return 0;
}

async function start(args: readonly string[]): Promise<number> {
  const { config } = await loadCheckedConfig(args);
  const gateway = await createGateway({ config, implicitPlatform: true });
  // An exception nothing handled is logged and counted, not fatal (see processSafetyNet.ts for why);
  // CUBEBRIDGE_EXIT_ON_UNCAUGHT=1 drains and exits 70 instead.
  installProcessSafetyNet(gateway, { exitOnUncaught: process.env.CUBEBRIDGE_EXIT_ON_UNCAUGHT === '1' });
  await gateway.start();
  gateway.logger.info(`ready. ${nextSteps(gateway).join(' ')}`);
  return await waitForSignals(gateway);
}

/** What a newcomer can do now, from what this gateway really runs. */
function nextSteps(gateway: Gateway): string[] {
  const steps: string[] = [];
  const platform = gateway.container.isRegistered(Tokens.Platform)
    ? gateway.resolve(Tokens.Platform)
    : undefined;
  const softphone = (platform as { softphoneUrl?: string } | undefined)?.softphoneUrl;
  if (softphone) steps.push(`Open ${softphone} and log in as alice / alice-password.`);
  const sip = gateway.config.sip as { trunk?: { listen?: { host: string; port: number } } } | undefined;
  const trunk = sip?.trunk?.listen;
  const firstMapping = Object.keys(gateway.config.mappings)[0];
  if (trunk) {
    steps.push(
      `Point a SIP softphone at ${trunk.host}:${trunk.port} (UDP) and dial ${
        firstMapping
          ? `${firstMapping.replace(/@.*/, '')}@${trunk.host}:${trunk.port}`
          : `sip:<user>@${trunk.host}:${trunk.port}`
      }.`,
    );
  }
  if (gateway.http?.url)
    steps.push(`Health: ${gateway.http.url}/health, readiness: ${gateway.http.url}/ready.`);
  return steps;
}

/** First SIGTERM/SIGINT drains and stops (exit 0); a second one stops at once (exit 1). */
function waitForSignals(gateway: Gateway): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        gateway.logger.warn({ signal }, 'second signal: stopping without waiting for calls');
        resolve(1);
        return;
      }
      stopping = true;
      gateway.logger.info({ signal, activeCalls: gateway.calls.size }, 'signal received: draining');
      gateway.stop().then(
        () => resolve(0),
        (error: unknown) => {
          gateway.logger.error({ err: error }, 'stop failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

async function sandbox(args: readonly string[]): Promise<number> {
  const file = resolveFromProject('@cubebridge/connectycube-sandbox', process.cwd(), 'sandbox');
  const module = (await import(pathToFileURL(file).href)) as {
    runSandboxCli?: (argv: readonly string[]) => Promise<number>;
  };
  if (typeof module.runSandboxCli !== 'function')
    throw new CubeBridgeError('@cubebridge/connectycube-sandbox has no runSandboxCli export');
  return module.runSandboxCli(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Leftover handles (sockets closing, timers) must not keep a finished command alive.
    setTimeout(() => process.exit(code), 2_000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`cubebridge: ${errorMessage(error)}\n`);
    process.exit(1);
  },
);
