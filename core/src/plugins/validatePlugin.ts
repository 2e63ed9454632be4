// The checks a plugin passes before it may start: it supports this core, and its options pass its schema. One
// function for both callers — the plugin host at start, and `checkConfig` (`cubebridge check-config`, and
// `cubebridge start` before anything is created) for the plugins a config file lists.
import semver from 'semver';
import { describeIssues } from '../config/describeIssues.ts';
import { type ConfigIssue, PluginError } from '../errors.ts';
import type { PluginDefinition, PluginUse } from './Plugin.ts';

/** Throws when the plugin declares a `core` range the running core is outside of. */
export function checkCoreRange(plugin: PluginDefinition<unknown>, coreVersion: string): void {
  if (plugin.core && !semver.satisfies(coreVersion, plugin.core, { includePrerelease: true })) {
    throw new PluginError(
      plugin.name,
      `supports @cubebridge/core ${plugin.core}, but this gateway runs ${coreVersion}; upgrade one of them`,
    );
  }
}

export type PluginOptionsResult =
  | { readonly value: unknown; readonly issues?: undefined }
  | { readonly issues: readonly ConfigIssue[] };

/**
 * The plugin's options as its schema returns them, or what is wrong with them; `prefix` is where the options
 * sit in the configuration (`plugins.1.1`), so that issue paths are the config file's. A plugin listed without
 * options (`"@cubebridge/plugin-routing"`) gets its schema's defaults, as `routing()` without options does.
 */
export async function validatePluginOptions(
  use: PluginUse,
  prefix: readonly PropertyKey[] = [],
): Promise<PluginOptionsResult> {
  const schema = use.plugin.options;
  if (!schema) return { value: use.options };
  const input = use.options ?? {};
  const result = await schema['~standard'].validate(input);
  if (!result.issues) return { value: result.value };
  return { issues: describeIssues(result.issues, { schema, input, prefix }) };
}
