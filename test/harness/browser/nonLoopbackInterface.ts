// Janus never offers ICE candidates on loopback interfaces, so in a namespace with only `lo` it has none. A veth pair
// carrying a 127.x address is not flagged LOOPBACK: Janus gathers on it, and browsers reach it through `lo`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface NonLoopbackInterface {
  readonly name: string;
  readonly address: string;
  remove(): Promise<void>;
}

/**
 * Adds a veth pair `<name>`/`<name>p` with `address`/32 on `<name>`. Only inside the private network namespace of
 * `pnpm test` (CUBEBRIDGE_IN_NETNS=1): it never touches the machine's own network. Resolves undefined elsewhere.
 */
export async function addNonLoopbackInterface(
  name = 'cbveth0',
  address = '127.0.0.2',
): Promise<NonLoopbackInterface | undefined> {
  if (process.env.CUBEBRIDGE_IN_NETNS !== '1') return undefined;
  await run('ip', ['link', 'del', name]).catch(() => undefined); // a leftover from an interrupted run
  await run('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`]);
  await run('ip', ['link', 'set', name, 'up']);
  await run('ip', ['link', 'set', `${name}p`, 'up']);
  await run('ip', ['addr', 'add', `${address}/32`, 'dev', name]);
  return {
    name,
    address,
    remove: async () => {
      await run('ip', ['link', 'del', name]).catch(() => undefined);
    },
  };
}
