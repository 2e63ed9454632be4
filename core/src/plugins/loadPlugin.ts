// Turn the config's plugin entries into plugin definitions: package names are resolved from the user's project
// (as ESLint, Vite and Fastify resolve theirs), so third-party plugins are ordinary npm dependencies.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PluginError, errorMessage } from '../errors.ts';
import { isPluginDefinition, type PluginDefinition, type PluginUse } from './Plugin.ts';

export type PluginEntry =
  | string
  | PluginDefinition<unknown>
  | readonly [string | PluginDefinition<unknown>, unknown]
  | { readonly package: string; readonly options?: unknown };

export async function resolvePluginEntries(
  entries: readonly PluginEntry[],
  projectDir: string,
): Promise<PluginUse[]> {
  return Promise.all(entries.map((entry) => resolvePluginEntry(entry, projectDir)));
}

async function resolvePluginEntry(entry: PluginEntry, projectDir: string): Promise<PluginUse> {
  if (isPluginDefinition(entry)) return { plugin: entry, options: undefined, source: 'inline' };
  if (typeof entry === 'string')
    return { plugin: await importPlugin(entry, projectDir), options: undefined, source: `package ${entry}` };
  if (Array.isArray(entry)) {
    const [target, options] = entry as readonly [string | PluginDefinition<unknown>, unknown];
    if (typeof target === 'string')
      return { plugin: await importPlugin(target, projectDir), options, source: `package ${target}` };
    return { plugin: target, options, source: 'inline' };
  }
  const { package: name, options } = entry as { package: string; options?: unknown };
  return { plugin: await importPlugin(name, projectDir), options, source: `package ${name}` };
}

/** Import a plugin package (or a relative file) and return its definition: the default export, or `plugin`. */
export async function importPlugin(
  specifier: string,
  projectDir: string,
): Promise<PluginDefinition<unknown>> {
  const file = resolveFromProject(specifier, projectDir, 'plugin');
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new PluginError(specifier, `failed to load (${file}): ${errorMessage(error)}`, { cause: error });
  }
  const candidate = module.default ?? module.plugin;
  if (!isPluginDefinition(candidate)) {
    throw new PluginError(
      specifier,
      `its default export is not a plugin made with definePlugin() from @cubebridge/core (found: ${describeExport(candidate)})`,
    );
  }
  return candidate;
}

/** Where a package (or relative path) named in the config lives, as seen from the user's project. */
export function resolveFromProject(specifier: string, projectDir: string, what: string): string {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return resolve(projectDir, specifier);
  const require = createRequire(join(projectDir, 'package.json'));
  try {
    return require.resolve(specifier);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // An ESM-only package has no `require` entry: read its `import` entry from its package.json instead.
    if (code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
      const manifestPath = require.resolve(`${specifier}/package.json`);
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
        exports?: unknown;
        module?: string;
        main?: string;
      };
      const entry = importEntry(manifest.exports) ?? manifest.module ?? manifest.main ?? 'index.js';
      return join(dirname(manifestPath), entry);
    }
    throw new PluginError(
      specifier,
      `${what} package not found from ${projectDir}: install it there (pnpm add ${specifier}) or fix the name`,
      { cause: error },
    );
  }
}

function importEntry(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (!exports || typeof exports !== 'object') return undefined;
  const root = (exports as Record<string, unknown>)['.'] ?? exports;
  if (typeof root === 'string') return root;
  const conditions = root as Record<string, unknown>;
  const pick = conditions.import ?? conditions.default;
  return typeof pick === 'string' ? pick : importEntry(pick);
}

function describeExport(value: unknown): string {
  if (value === undefined) return 'no default export';
  if (typeof value === 'function')
    return `a function named ${value.name || '(anonymous)'}; did you forget to wrap it in definePlugin()?`;
  return typeof value;
}
