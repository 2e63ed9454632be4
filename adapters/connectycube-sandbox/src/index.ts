// @cubebridge/connectycube-sandbox: a local ConnectyCube-compatible server for the unmodified `connectycube` SDK.
export { Sandbox, startSandbox, defaultSandboxUsers } from './Sandbox.ts';
export type * from './SandboxTypes.ts';
export { JanusStartError, RestError, SandboxClosedError, SandboxConfigError } from './errors.ts';
export { runSandboxCli } from './cli.ts';
