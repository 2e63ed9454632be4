// Janus never offers ICE candidates on loopback interfaces, so in a namespace with only `lo` it has none. A veth pair
// carrying a 127.x address is not flagged LOOPBACK: Janus gathers on it, and browsers reach it through `lo`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface NonLoopbackInterface {
  readonly name: string;
  readonly address: string;
}

/**
 * Makes sure the veth pair `<name>`/`<name>p` exists with `address`/32 on `<name>`, only inside the private network
 * namespace of `pnpm test` (CUBEBRIDGE_IN_NETNS=1): it never touches the machine's own network, and resolves
 * undefined elsewhere. The interface is deliberately left in place: the namespace (and it) end with the test run,
 * while removing it earlier could cut the ICE paths of browsers that other test files run in parallel.
 */
export async function ensureNonLoopbackInterface(
  name = 'cbveth0',
  address = '127.0.0.2',
): Promise<NonLoopbackInterface | undefined> {
  if (process.env.CUBEBRIDGE_IN_NETNS !== '1') return undefined;
  const exists = async (): Promise<boolean> =>
    run('ip', ['-o', 'addr', 'show', 'dev', name]).then(
      ({ stdout }) => stdout.includes(`${address}/32`),
      () => false,
    );
  if (!(await exists())) {
    try {
      await run('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`]);
      await run('ip', ['link', 'set', name, 'up']);
      await run('ip', ['link', 'set', `${name}p`, 'up']);
      await run('ip', ['addr', 'add', `${address}/32`, 'dev', name]);
    } catch (error) {
      // Another test file may have created it at the same moment; only a still-missing interface is a failure.
      if (!(await exists())) throw error;
    }
  }
  return { name, address };
}
