#!/usr/bin/env node
// The `cubebridge-recording-worker` command of an installed @cubebridge/plugin-recording: runs the built worker
// CLI. In this repository without a build, run `node --conditions=@cubebridge/source plugins/recording/src/cli/worker.ts`.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli/worker.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    'cubebridge-recording-worker: @cubebridge/plugin-recording is not built (dist/ is missing): run `pnpm build`\n',
  );
  process.exit(1);
}
await import(cli.href);
