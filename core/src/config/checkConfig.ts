// The parts of a configuration the core does not own, validated by their owners: each adapter section against
// the schema its package exports, each plugin's options against the plugin's. `cubebridge check-config` and
// `cubebridge start` both call this before anything is created, with the loader and validators `createGateway`
// uses, so a config that passes check-config is one that start accepts.
import { ConfigError, type ConfigIssue } from '../errors.ts';
import { coreVersion } from '../gateway/Gateway.ts';
import {
  type AdapterKey,
  importAdapter,
  isPackageSection,
  validateSection,
} from '../gateway/loadAdapters.ts';
import { type PluginEntry, resolvePluginEntries } from '../plugins/loadPlugin.ts';
import { orderByDependencies } from '../plugins/PluginHost.ts';
import { checkCoreRange, validatePluginOptions } from '../plugins/validatePlugin.ts';
import type { GatewayConfig } from './schema.ts';

export interface CheckConfigOptions {
  /** Where adapter and plugin packages are resolved from (default: the current directory). */
  readonly projectDir?: string;
  /** Named in the error (the config file). */
  readonly source?: string;
  /** Key path → the environment variable it came from, so that errors name it. */
  readonly environmentSources?: ReadonlyMap<string, string>;
}

export interface CheckedConfig {
  /** Sections whose package exports no `configSchema`: their keys reach the adapter unchecked. */
  readonly unchecked: readonly string[];
}

const adapterKeys: readonly AdapterKey[] = ['sip', 'media', 'connectycube'];

/**
 * Validate the adapter sections and plugin options of a configuration the core's schema already accepted.
 * Every problem is reported at once (a `ConfigError`); a package that cannot be loaded fails as it would at start.
 */
export async function checkConfig(
  config: GatewayConfig,
  options: CheckConfigOptions = {},
): Promise<CheckedConfig> {
  const projectDir = options.projectDir ?? process.cwd();
  const issues: ConfigIssue[] = [];
  const unchecked: string[] = [];
  for (const key of adapterKeys) {
    const section = config[key];
    if (!isPackageSection(section)) continue;
    const adapterPackage = await importAdapter(key, section.adapter, projectDir);
    if (!adapterPackage.configSchema) unchecked.push(`${key} (${section.adapter} exports no configSchema)`);
    const result = await validateSection(key, section, adapterPackage, options.environmentSources);
    if (result.issues) issues.push(...result.issues);
  }
  const entries = config.plugins as PluginEntry[];
  const uses = await resolvePluginEntries(entries, projectDir);
  // Names unique, dependencies listed, no cycle: what the plugin host checks before starting any.
  orderByDependencies(uses);
  for (const [index, use] of uses.entries()) {
    checkCoreRange(use.plugin, coreVersion);
    const result = await validatePluginOptions(use, optionsPath(entries[index]!, index));
    if (result.issues) issues.push(...result.issues);
  }
  if (issues.length > 0) throw new ConfigError(options.source ?? 'configuration', issues);
  return { unchecked };
}

/** Where a plugin entry keeps its options: `plugins.1.1` for `[name, options]`, `plugins.1.options` for `{ package, options }`. */
function optionsPath(entry: PluginEntry, index: number): PropertyKey[] {
  if (Array.isArray(entry)) return ['plugins', index, 1];
  if (typeof entry === 'object' && 'package' in entry) return ['plugins', index, 'options'];
  return ['plugins', index];
}
