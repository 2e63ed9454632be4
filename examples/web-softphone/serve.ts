// `pnpm start` here: the local ConnectyCube sandbox serving this folder at /softphone/ (extra arguments go to the sandbox CLI).
import { fileURLToPath } from 'node:url';
import { runSandboxCli } from '@cubebridge/connectycube-sandbox';

const here = fileURLToPath(new URL('.', import.meta.url));
process.exitCode = await runSandboxCli(['--softphone', here, ...process.argv.slice(2)]);
