// Benchmarks run like the tests: inside a private network namespace that has only `lo`, so the peers they start
// can reach nothing else. Called first thing by a benchmark script: outside such a namespace (and where
// `unshare -n` works) it runs the same script again inside one and exits with its status.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function reenterInPrivateNetwork(scriptUrl: string): void {
  if (process.env.CUBEBRIDGE_IN_NETNS === '1' || spawnSync('unshare', ['-n', 'true']).status !== 0) return;
  const script = fileURLToPath(scriptUrl);
  const inner = `ip link set lo up && exec "${process.execPath}" ${process.execArgv.join(' ')} "${script}" ${process.argv.slice(2).join(' ')}`;
  const result = spawnSync('unshare', ['-n', 'sh', '-c', inner], {
    stdio: 'inherit',
    env: { ...process.env, CUBEBRIDGE_IN_NETNS: '1' },
  });
  process.exit(result.status ?? 1);
}
