// Where the ConnectyCube adapter finds a local sandbox: its app credentials and endpoints, with chat optionally
// through a proxy. Spread it into `connectycube({ ...sandboxConnection(sandbox), identities, ... })`.
import type { Sandbox } from '@cubebridge/connectycube-sandbox';

export function sandboxConnection(sandbox: Sandbox, chatUrl: string = sandbox.chatEndpoint) {
  const { appId, authKey } = sandbox.credentials;
  return { appId, authKey, endpoints: { apiUrl: sandbox.apiEndpoint, chat: '127.0.0.1', chatUrl } };
}
