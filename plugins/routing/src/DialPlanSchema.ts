// The dial plan's shape: ordered rules, each a match, an optional time window and one action.
import { z } from 'zod';

const refusalReason = z.enum(['not-found', 'unavailable', 'busy', 'declined', 'refused']);

/**
 * A pattern: a string that starts with a scheme (`sip:joao@empresa.com`, `connectycube:12345`) is compared with
 * the whole URI; any other string (`1001`, `joao`) with its user part. `*` in a string matches any run of
 * characters. `{ prefix }` compares the start of the user part; `{ regex }` tests the whole URI, and its
 * capture groups fill `$1`, `$2`, … in the action.
 */
export const patternSchema = z.union([
  z.string().min(1),
  z.object({ prefix: z.string().min(1) }).strict(),
  z
    .object({ regex: z.string().min(1) })
    .strict()
    .refine(
      ({ regex }) => {
        try {
          new RegExp(regex);
          return true;
        } catch {
          return false;
        }
      },
      { error: 'is not a valid regular expression' },
    ),
]);

const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time like 09:00 or 18:30');

export const timeWindowSchema = z
  .object({
    days: z.array(weekday).min(1).optional(),
    /** `[from, to)`; a window that wraps midnight (`['22:00', '06:00']`) is allowed. */
    between: z.tuple([clockTime, clockTime]).optional(),
    /** An IANA zone (`Europe/Lisbon`); default: the gateway's local time. */
    timeZone: z
      .string()
      .refine(
        (zone) => {
          try {
            new Intl.DateTimeFormat('en-US', { timeZone: zone });
            return true;
          } catch {
            return false;
          }
        },
        { error: 'is not a time zone known to this system (use an IANA name like Europe/Lisbon)' },
      )
      .optional(),
  })
  .strict();

export const ruleSchema = z
  .object({
    name: z.string().min(1).optional(),
    direction: z.enum(['sip-to-platform', 'platform-to-sip']).optional(),
    match: z
      .object({
        to: patternSchema.optional(),
        from: patternSchema.optional(),
        /** SIP headers (inbound SIP) or app `userInfo` (inbound app call), by name. */
        attributes: z.record(z.string(), patternSchema).optional(),
      })
      .strict()
      .optional(),
    when: timeWindowSchema.optional(),
    /** Ring these app users (several: a hunt group, first to answer wins). `$1` etc. come from a regex. */
    ring: z.array(z.string().min(1)).min(1).optional(),
    ringTimeoutSec: z.number().int().positive().optional(),
    userInfo: z.record(z.string(), z.string()).optional(),
    /** Call this SIP URI. */
    dial: z
      .string()
      .regex(/^(sips?:|tel:|\$)/, 'must be a SIP URI like sip:$1@pbx.example.com')
      .optional(),
    account: z.string().optional(),
    /** Refuse the call (SIP 404/480/486/603/403, or an app reject). */
    refuse: refusalReason.optional(),
    detail: z.string().optional(),
  })
  .strict()
  .superRefine((rule, context) => {
    const actions = (['ring', 'dial', 'refuse'] as const).filter((action) => rule[action] !== undefined);
    if (actions.length !== 1) {
      context.addIssue({
        code: 'custom',
        message: `needs exactly one action of ring, dial or refuse (found ${actions.length === 0 ? 'none' : actions.join(' and ')})`,
      });
    }
  });

export const dialPlanSchema = z
  .object({
    rules: z.array(ruleSchema).default([]),
    /** Where calls go when no rule and no mapping matches (a rule without `match`). */
    fallback: ruleSchema.optional(),
    /** Route by the gateway's `mappings` (`"sip:joao@empresa.com": "12345"`) after the rules. Default true. */
    mappings: z.boolean().default(true),
    /** App calls that name a SIP target in `userInfo.to` are dialled as given. Default true. */
    directDial: z.boolean().default(true),
  })
  .strict();

export const routingOptionsSchema = dialPlanSchema.extend({
  /** A JSON file with `{ rules, fallback }`, reloaded when it changes; its rules replace `rules`. */
  rulesFile: z.string().min(1).optional(),
});

export type Pattern = z.output<typeof patternSchema>;
export type TimeWindow = z.output<typeof timeWindowSchema>;
export type Rule = z.output<typeof ruleSchema>;
export type DialPlanConfig = z.output<typeof dialPlanSchema>;
export type RoutingOptions = z.input<typeof routingOptionsSchema>;
