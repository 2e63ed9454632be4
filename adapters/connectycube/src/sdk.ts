// Loading the connectycube SDK in Node: one process-wide configuration (the SDK keeps it in a singleton),
// one SDK instance per represented user, each with its own REST session and XMPP client.
import connectycubeModule from 'connectycube';
import type { ResolvedOptions } from './ConnectyCubeOptions.ts';

// The package's types are CommonJS-shaped for TypeScript, while Node loads its ESM build whose default export
// is the SDK instance itself.
export type ConnectyCubeSdk = (typeof connectycubeModule)['default'];
const ConnectyCube = connectycubeModule as unknown as ConnectyCubeSdk;

/** A fresh SDK instance for one identity, configured from the adapter's options. */
export function createSdkInstance(options: ResolvedOptions): ConnectyCubeSdk {
  const sdk = new ConnectyCube.ConnectyCube() as ConnectyCubeSdk;
  sdk.init({ appId: options.appId, authKey: options.authKey }, sdkConfig(options));
  return sdk;
}

function sdkConfig(options: ResolvedOptions): Record<string, unknown> {
  const { api, apiUrl, chat, chatUrl } = options.endpoints;
  return {
    endpoints: {
      // The SDK copies `api_url` unconditionally and only honours `chat_url` together with `chat`.
      api_url: apiUrl,
      ...(api ? { api } : {}),
      ...(chat ? { chat, ...(chatUrl ? { chat_url: chatUrl } : {}) } : {}),
    },
    ...(chatUrl && !chat ? { chatProtocol: { websocket: chatUrl } } : {}),
    chat: { reconnect: { enable: true, timeInterval: options.reconnectDelayMs / 1000 } },
    // Debug mode 1 (the SDK's default) prints every request and stanza, passwords and tokens included.
    debug: { mode: 0 },
  };
}
