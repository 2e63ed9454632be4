// A port conformance suite is a list of named checks, each a plain async function that throws a
// ConformanceError saying which rule of the port was broken and what happened instead. Plain functions, so a
// test can also run them against a deliberately broken adapter and read the failures; `describeConformance`
// turns them into vitest tests.
import { CubeBridgeError } from '../errors.ts';

export interface ConformanceCheck {
  /** The rule, as a sentence (`an inbound leg's events$ replays 'ended' to a late subscriber`). */
  readonly name: string;
  run(): Promise<void>;
}

/** A port rule was broken; the message names the rule and what was seen. */
export class ConformanceError extends CubeBridgeError {
  override readonly name = 'ConformanceError';
}

export interface ConformanceFailure {
  readonly check: string;
  readonly message: string;
}

/** Run checks one after the other; every failure is collected (a failed check does not stop the others). */
export async function runConformance(checks: readonly ConformanceCheck[]): Promise<ConformanceFailure[]> {
  const failures: ConformanceFailure[] = [];
  for (const check of checks) {
    try {
      await check.run();
    } catch (error) {
      failures.push({ check: check.name, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return failures;
}

/** The minimum of vitest (or a compatible runner) the suites need: passed in, so the core does not import it. */
export interface TestRunner {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>, timeoutMs?: number): void;
}

/** Register each check as a test of `runner` (vitest: `describeConformance({ describe, it }, …)`). */
export function describeConformance(
  runner: TestRunner,
  title: string,
  checks: readonly ConformanceCheck[],
  options: { timeoutMs?: number } = {},
): void {
  runner.describe(title, () => {
    for (const check of checks) runner.it(check.name, () => check.run(), options.timeoutMs ?? 60_000);
  });
}

/** `promise`, or a ConformanceError naming what did not happen within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ConformanceError(`${what}: nothing within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function expectThat(condition: boolean, rule: string, seen: () => string): void {
  if (!condition) throw new ConformanceError(`${rule} — ${seen()}`);
}
