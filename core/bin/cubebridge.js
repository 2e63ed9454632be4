#!/usr/bin/env node
// The `cubebridge` command of an installed @cubebridge/core: runs the built CLI. In this repository without a
// build, use `pnpm cubebridge …` (it runs the TypeScript sources) or `pnpm build` first.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    'cubebridge: @cubebridge/core is not built (dist/ is missing): run `pnpm build`, or `pnpm cubebridge` from the repository\n',
  );
  process.exit(1);
}
await import(cli.href);
