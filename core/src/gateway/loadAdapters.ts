// Turn the config's `sip`, `media` and `connectycube` sections into adapters: a section that already is an
// adapter (from a cubebridge.config.ts) is used as it is; otherwise its `adapter` package is imported from the
// user's project, the section's options are validated against the schema the package exports (`configSchema`),
// and its default export is called with what that schema returns.
import { pathToFileURL } from 'node:url';
import { describeIssues } from '../config/describeIssues.ts';
import type { GatewayConfig } from '../config/schema.ts';
import { AdapterError, ConfigError, type ConfigIssue, PluginError, errorMessage } from '../errors.ts';
import type { Logger } from '../logging/Logger.ts';
import type { StandardSchemaV1 } from '../plugins/StandardSchema.ts';
import type { MediaRelay } from '../ports/MediaRelay.ts';
import type { Platform } from '../ports/Platform.ts';
import type { SipAdapter } from '../ports/SipAdapter.ts';
import { resolveFromProject } from '../plugins/loadPlugin.ts';

/** What an adapter package's default export receives besides its own section. */
export interface AdapterFactoryContext {
  readonly config: GatewayConfig;
  readonly projectDir: string;
  readonly logger: Logger;
}

export type AdapterFactory<T> = (
  options: Record<string, unknown>,
  context: AdapterFactoryContext,
) => T | Promise<T>;

/** An adapter package as the loader sees it: the factory, and the schema of its section when it exports one. */
export interface AdapterPackage<T = unknown> {
  readonly specifier: string;
  readonly create: AdapterFactory<T>;
  /**
   * The package's `configSchema` export (any Standard Schema; zod's give the best messages): the section's keys
   * other than `adapter` must pass it. A package without one gets its section unchecked.
   */
  readonly configSchema: StandardSchemaV1 | undefined;
}

export interface LoadedAdapters {
  readonly sip: SipAdapter | undefined;
  readonly media: MediaRelay | undefined;
  readonly platform: Platform | undefined;
}

export type AdapterKey = 'sip' | 'media' | 'connectycube';
type Section = GatewayConfig['sip'] | GatewayConfig['media'] | GatewayConfig['connectycube'];
/** A section that names a package, as opposed to an adapter object given in code. */
export type PackageSection = { readonly adapter: string } & Readonly<Record<string, unknown>>;

export async function loadAdapters(
  config: GatewayConfig,
  context: Omit<AdapterFactoryContext, 'config'> & {
    /** The CLI's default: with no `connectycube` section, use the platform package (which may embed the sandbox). */
    readonly implicitPlatform?: boolean;
  },
): Promise<LoadedAdapters> {
  const factoryContext = { projectDir: context.projectDir, logger: context.logger, config };
  // With no ConnectyCube section the platform is still wanted when the sandbox may stand in for the cloud;
  // that default is skipped (with a warning) rather than fatal when the package is not installed.
  const platformSection =
    config.connectycube ??
    (context.implicitPlatform && config.sandbox.enabled !== 'off' ? implicitPlatform : undefined);
  const [sip, platform] = await Promise.all([
    loadAdapter<SipAdapter>('sip', config.sip, factoryContext),
    loadAdapter<Platform>('connectycube', platformSection, factoryContext),
  ]);
  // Media is needed as soon as there are two sides to bridge; it needs no section of its own.
  const mediaSection = config.media ?? (sip && platform ? implicitMedia : undefined);
  const media = await loadAdapter<MediaRelay>('media', mediaSection, factoryContext);
  return { sip, media, platform };
}

const implicitPlatform = { adapter: '@cubebridge/connectycube', identity: 'gateway' as const };
const implicitMedia = { adapter: '@cubebridge/media-werift' };

export function isPackageSection(section: Section): section is PackageSection {
  return section !== undefined && 'adapter' in section && typeof section.adapter === 'string';
}

async function loadAdapter<T>(
  key: AdapterKey,
  section: Section,
  context: AdapterFactoryContext,
): Promise<T | undefined> {
  if (section === undefined) return undefined;
  if (!isPackageSection(section)) return section as T;
  let adapterPackage: AdapterPackage<T>;
  try {
    adapterPackage = await importAdapter<T>(key, section.adapter, context.projectDir);
  } catch (error) {
    if ((section === implicitPlatform || section === implicitMedia) && error instanceof AdapterNotInstalled) {
      context.logger.warn(
        { adapter: section.adapter },
        `${key}: ${section.adapter} is not installed, so there is no ${key} adapter`,
      );
      return undefined;
    }
    throw error;
  }
  const result = await validateSection(key, section, adapterPackage);
  if (result.issues) throw new ConfigError('configuration', result.issues);
  return (await adapterPackage.create(result.options, context)) as T;
}

/** The package could not be found from the project (as opposed to found and broken). */
class AdapterNotInstalled extends AdapterError {}

/** Import the adapter package a section names, from the user's project. */
export async function importAdapter<T = unknown>(
  key: AdapterKey,
  specifier: string,
  projectDir: string,
): Promise<AdapterPackage<T>> {
  let file: string;
  try {
    file = resolveFromProject(specifier, projectDir, 'adapter');
  } catch (error) {
    throw new AdapterNotInstalled(
      key,
      error instanceof PluginError ? error.message.replace(/^Plugin /, 'Adapter ') : errorMessage(error),
    );
  }
  const module = (await import(pathToFileURL(file).href)) as {
    default?: unknown;
    create?: unknown;
    configSchema?: unknown;
  };
  const create = module.default ?? module.create;
  if (typeof create !== 'function') {
    throw new AdapterError(
      key,
      `${specifier} has no default export that creates an adapter; is it a CubeBridge adapter package?`,
    );
  }
  const { configSchema } = module;
  if (configSchema !== undefined && !isStandardSchema(configSchema)) {
    throw new AdapterError(
      key,
      `${specifier} exports a configSchema that is not a Standard Schema (zod, valibot, arktype…)`,
    );
  }
  return { specifier, create: create as AdapterFactory<T>, configSchema };
}

/**
 * A section's options (every key but `adapter`) as the package's schema returns them, or what is wrong with
 * them, with paths from the config's root (`sip.trunk.allowfrom`).
 */
export async function validateSection(
  key: AdapterKey,
  section: PackageSection,
  adapterPackage: AdapterPackage,
  environmentSources?: ReadonlyMap<string, string>,
): Promise<
  | { readonly options: Record<string, unknown>; readonly issues?: undefined }
  | { readonly issues: readonly ConfigIssue[] }
> {
  const { adapter: _adapter, ...options } = section;
  const schema = adapterPackage.configSchema;
  if (!schema) return { options };
  const result = await schema['~standard'].validate(options);
  if (!result.issues) return { options: result.value as Record<string, unknown> };
  return {
    issues: describeIssues(result.issues, {
      schema,
      input: options,
      prefix: [key],
      rootKeys: ['adapter'],
      ...(environmentSources ? { environmentSources } : {}),
    }),
  };
}

function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const standard = (value as { '~standard'?: { validate?: unknown } } | null)?.['~standard'];
  return typeof standard?.validate === 'function';
}
