// @cubebridge/connectycube — the ConnectyCube platform adapter.
import type { Platform } from '@cubebridge/core';
import { ConnectyCubePlatform } from './ConnectyCubePlatform.ts';
import type { ConnectyCubeOptions } from './ConnectyCubeOptions.ts';

/** A Platform speaking ConnectyCube: `platform: connectycube({ appId, authKey, identities })`. */
export function connectycube(options: ConnectyCubeOptions): Platform {
  return new ConnectyCubePlatform(options);
}

export { ConnectyCubePlatform } from './ConnectyCubePlatform.ts';
export { default, optionsFromConfig } from './fromConfig.ts';
export { configSchema, type ConnectyCubeConfigSection } from './ConnectyCubeConfigSchema.ts';
export {
  SandboxedPlatform,
  type SandboxedPlatformOptions,
  sandboxGatewayLogin,
} from './SandboxedPlatform.ts';
export type {
  ConnectyCubeEndpoints,
  ConnectyCubeOptions,
  IdentityOptions,
  MirroredIdentity,
  UserCredentials,
} from './ConnectyCubeOptions.ts';
export type { DtmfMessage } from './DtmfMessage.ts';
export {
  ConnectyCubeOptionsError,
  IdentityLoginError,
  IdentityNotFoundError,
} from './errors.ts';
