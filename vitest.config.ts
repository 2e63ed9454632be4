// One vitest run for the whole workspace: each package is a project named after it, so
// `vitest run --project @cubebridge/core` runs one package and `pnpm test` runs all of them. Package folders are
// found from this file's folder, not the current directory: a package's own `pnpm test` runs vitest from its
// folder (`--root ../..`), and the workspace must look the same from there.
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

const workspace = import.meta.dirname;
const packageDirs = [
  'core',
  'test',
  ...['adapters', 'plugins', 'examples'].flatMap((group) =>
    existsSync(join(workspace, group))
      ? readdirSync(join(workspace, group)).map((name) => join(group, name))
      : [],
  ),
].filter(
  (dir) =>
    existsSync(join(workspace, dir, 'package.json')) &&
    (dir === 'test' || existsSync(join(workspace, dir, 'test'))),
);

export default defineConfig({
  resolve: { conditions: ['@cubebridge/source'] },
  ssr: { resolve: { conditions: ['@cubebridge/source'] } },
  test: {
    // Workers resolve workspace packages to their TypeScript sources, as `pnpm start` does, so plugins and
    // adapters loaded by package name (createRequire + import) need no build first.
    execArgv: ['--conditions=@cubebridge/source'],
    // CI asks for a machine-readable report beside the usual output (.ci/run prints `N passed, N failed` from it).
    reporters: process.env.CUBEBRIDGE_TEST_REPORT
      ? ['default', ['json', { outputFile: process.env.CUBEBRIDGE_TEST_REPORT }]]
      : ['default'],
    projects: packageDirs.map((dir) => ({
      extends: true,
      test: {
        name: JSON.parse(readFileSync(join(workspace, dir, 'package.json'), 'utf8')).name as string,
        root: join(workspace, dir),
        include: ['test/**/*.test.ts', '**/*.test.ts'].slice(dir === 'test' ? 1 : 0, dir === 'test' ? 2 : 1),
        exclude: ['**/node_modules/**', '**/dist/**'],
        testTimeout: 30_000,
        hookTimeout: 60_000,
      },
    })),
  },
});
