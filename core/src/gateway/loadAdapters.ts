// Turn the config's `sip`, `media` and `connectycube` sections into adapters: a section that already is an
// adapter (from a cubebridge.config.ts) is used as it is; otherwise its `adapter` package is imported from the
// user's project and its default export is called with the section's options.
import { pathToFileURL } from 'node:url';
import { AdapterError, PluginError, errorMessage } from '../errors.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { Logger } from '../logging/Logger.ts';
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

export interface LoadedAdapters {
  readonly sip: SipAdapter | undefined;
  readonly media: MediaRelay | undefined;
  readonly platform: Platform | undefined;
}

type Section = GatewayConfig['sip'] | GatewayConfig['media'] | GatewayConfig['connectycube'];

export async function loadAdapters(
  config: GatewayConfig,
  context: Omit<AdapterFactoryContext, 'config'>,
): Promise<LoadedAdapters> {
  const factoryContext = { ...context, config };
  const [sip, platform] = await Promise.all([
    loadAdapter<SipAdapter>('sip', config.sip, factoryContext),
    loadAdapter<Platform>('connectycube', config.connectycube, factoryContext),
  ]);
  // Media is needed as soon as there is something to bridge; it needs no section of its own.
  const mediaSection =
    config.media ?? (sip || platform ? { adapter: '@cubebridge/media-werift' } : undefined);
  const media = await loadAdapter<MediaRelay>('media', mediaSection, factoryContext);
  return { sip, media, platform };
}

async function loadAdapter<T>(
  key: string,
  section: Section,
  context: AdapterFactoryContext,
): Promise<T | undefined> {
  if (section === undefined) return undefined;
  if (!('adapter' in section) || typeof section.adapter !== 'string') return section as T;
  const { adapter: specifier, ...options } = section as { adapter: string } & Record<string, unknown>;
  let file: string;
  try {
    file = resolveFromProject(specifier, context.projectDir, 'adapter');
  } catch (error) {
    throw new AdapterError(
      key,
      error instanceof PluginError ? error.message.replace(/^Plugin /, 'Adapter ') : errorMessage(error),
    );
  }
  const module = (await import(pathToFileURL(file).href)) as { default?: unknown; create?: unknown };
  const factory = module.default ?? module.create;
  if (typeof factory !== 'function') {
    throw new AdapterError(
      key,
      `${specifier} has no default export that creates an adapter; is it a CubeBridge adapter package?`,
    );
  }
  return (await (factory as AdapterFactory<T>)(options, context)) as T;
}
