// @cubebridge/plugin-routing: the gateway's `route` hook as a readable dial plan.
import { resolve } from 'node:path';
import { type CallRequest, definePlugin, type PluginDefinition, Tokens } from '@cubebridge/core';
import { DialPlan } from './DialPlan.ts';
import { dialPlanSchema, type RoutingOptions, routingOptionsSchema } from './DialPlanSchema.ts';
import { readRulesFile, watchRulesFile } from './RulesFile.ts';

export { DialPlan, dialledTarget, matchPattern, type DialPlanDecision } from './DialPlan.ts';
export {
  dialPlanSchema,
  routingOptionsSchema,
  ruleSchema,
  type DialPlanConfig,
  type Rule,
  type RoutingOptions,
} from './DialPlanSchema.ts';
export { isWithin } from './TimeWindow.ts';

export const routingPlugin = definePlugin({
  name: '@cubebridge/plugin-routing',
  version: '0.1.0',
  core: '^0.1.0',
  options: routingOptionsSchema,
  setup(ctx, options) {
    const { mappings } = ctx.resolve(Tokens.Config);
    const { rulesFile, ...inline } = options;
    const defaults = dialPlanSchema.parse(inline);
    const file = rulesFile && resolve(rulesFile);
    let plan = new DialPlan(file ? readRulesFile(file, defaults) : defaults, mappings);

    ctx.hooks.route.register((request: CallRequest) => {
      const outcome = plan.decide(request);
      ctx.logger.debug(
        { callId: request.callId, to: request.to.uri, by: outcome?.by ?? 'no rule' },
        'dial plan',
      );
      return outcome?.decision;
    });

    const watcher = file
      ? watchRulesFile(file, defaults, ctx.logger, (config) => {
          plan = new DialPlan(config, mappings);
        })
      : undefined;
    return () => watcher?.close();
  },
});

export default routingPlugin;

/** For gateways assembled in code: `plugins: [routing({ rules: [...] })]`. */
export function routing(options: RoutingOptions = {}): readonly [PluginDefinition<unknown>, RoutingOptions] {
  return [routingPlugin as PluginDefinition<unknown>, options];
}
