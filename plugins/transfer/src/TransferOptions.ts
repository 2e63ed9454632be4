// The plugin's options, validated at load (Standard Schema through zod). Patterns are regular expressions, so
// a mistyped one fails at start with the option's path rather than at the first transfer.
import { z } from 'zod';

const pattern = z.string().refine(
  (source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'must be a regular expression, like "^sip:2\\\\d{3}@"' },
);

export const transferOptionsSchema = z.strictObject({
  /**
   * Transfer targets (the Refer-To URI) allowed, as regular expressions; the first that matches allows. Unset:
   * any target the dial plan routes (a transfer's new leg always goes through the `route` hook).
   */
  targets: z.array(pattern).optional(),
  /**
   * Who may transfer (the transferor's URI: a phone's SIP URI, or `connectycube:<id>` for an app user), as
   * regular expressions. Unset: anyone in a call.
   */
  transferors: z.array(pattern).optional(),
  /** Whether app users may transfer the phone they talk to (the gateway then REFERs the phone). */
  appTransfers: z.boolean().default(true),
  /** Give up on a target that has not answered after this long (the transferor is told 480). */
  ringTimeoutSec: z.number().int().min(1).max(600).default(30),
});

export type TransferOptions = z.input<typeof transferOptionsSchema>;
export type ResolvedTransferOptions = z.output<typeof transferOptionsSchema>;
