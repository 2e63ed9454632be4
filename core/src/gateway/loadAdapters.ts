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
    if (section === implicitPlatform || section === implicitMedia) {
      context.logger.warn(
        { adapter: specifier },
        `${key}: ${specifier} is not installed, so there is no ${key} adapter`,
      );
      return undefined;
    }
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
