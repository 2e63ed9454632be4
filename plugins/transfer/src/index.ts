// @cubebridge/plugin-transfer: blind transfers both ways — a SIP phone transfers the app user it talks to
// (REFER to the gateway), or an app user transfers the phone (the gateway REFERs it).
// The core carries transfers out; this plugin is the policy that allows them (the `transfer` hook).
import { definePlugin, type PluginDefinition } from '@cubebridge/core';
import { type TransferOptions, transferOptionsSchema } from './TransferOptions.ts';
import { TransferPolicy } from './TransferPolicy.ts';

export {
  transferOptionsSchema,
  type TransferOptions,
  type ResolvedTransferOptions,
} from './TransferOptions.ts';
export { TransferPolicy } from './TransferPolicy.ts';

export const transferPlugin = definePlugin({
  name: '@cubebridge/plugin-transfer',
  version: '0.1.0',
  core: '^0.1.0',
  options: transferOptionsSchema,
  setup(ctx, options) {
    const policy = new TransferPolicy(options);
    ctx.hooks.transfer.register((request) => {
      const decision = policy.decide(request);
      ctx.logger.info(
        { callId: request.callId, target: request.target, allowed: decision?.allow },
        decision?.allow ? 'transfer allowed' : 'transfer refused',
      );
      return decision;
    });
  },
});

export default transferPlugin;

/** For gateways assembled in code: `plugins: [transfer({ targets: ['^sip:2\\d{3}@'] })]`. */
export function transfer(
  options: TransferOptions = {},
): readonly [PluginDefinition<unknown>, TransferOptions] {
  return [transferPlugin as PluginDefinition<unknown>, options];
}
