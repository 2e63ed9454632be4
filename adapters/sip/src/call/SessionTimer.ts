// RFC 4028 session timers for one leg: ask for them in our INVITE, grant them in our 200 OK, then either
// refresh (re-INVITE at half the interval) or watch for the other side's refreshes and end a dead session.
import type { Core } from 'sip.js';

export interface SessionTimerPlan {
  readonly intervalSec: number;
  /** Who refreshes: `us` sends re-INVITEs, `them` must send them. */
  readonly refresher: 'us' | 'them';
}

export interface SessionTimerActions {
  refresh(): Promise<void>;
  expire(): void;
}

/** `Session-Expires: 1800;refresher=uac` → interval and refresher role, or undefined. */
export function parseSessionExpires(
  value: string | undefined,
): { intervalSec: number; refresher?: 'uac' | 'uas' } | undefined {
  const match = /^\s*(\d{1,9})\s*(.*)$/.exec(value ?? '');
  if (!match) return undefined;
  const refresher = /;\s*refresher\s*=\s*(uac|uas)/i.exec(match[2] ?? '')?.[1]?.toLowerCase() as
    | 'uac'
    | 'uas'
    | undefined;
  const intervalSec = Number(match[1]);
  if (intervalSec <= 0) return undefined;
  return refresher ? { intervalSec, refresher } : { intervalSec };
}

/**
 * RFC 4028 §8.1/§9: a request whose Session-Expires is below our Min-SE gets 422 with our Min-SE. Returns
 * that response's headers, or undefined when the interval is acceptable (or absent, or no minimum is set).
 */
export function sessionIntervalTooSmall(
  sessionExpires: string | undefined,
  minSessionExpiresSec: number | undefined,
): { statusCode: 422; extraHeaders: string[] } | undefined {
  const asked = parseSessionExpires(sessionExpires);
  if (!asked || !minSessionExpiresSec || asked.intervalSec >= minSessionExpiresSec) return undefined;
  return { statusCode: 422, extraHeaders: [`Min-SE: ${minSessionExpiresSec}`] };
}

/**
 * `Supported: timer` (RFC 4028 §7.1, §9) in every request and response of this user agent, in the one
 * Supported header sip.js writes (its option tags are plain arrays in the core's configuration).
 */
export function advertiseSessionTimers(core: Core.UserAgentCore): void {
  for (const tags of [core.configuration.supportedOptionTags, core.configuration.supportedOptionTagsResponse])
    if (!tags.includes('timer')) tags.push('timer');
}

/** Does the request say `Supported: timer` (so our grant may `Require: timer`, RFC 4028 §9)? */
export function supportsTimer(supported: readonly string[]): boolean {
  return /(^|,)\s*timer\s*(,|$)/i.test(supported.join(','));
}

export class SessionTimer {
  readonly #actions: SessionTimerActions;
  #plan: SessionTimerPlan | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(actions: SessionTimerActions) {
    this.#actions = actions;
  }

  get plan(): SessionTimerPlan | undefined {
    return this.#plan;
  }

  /** (Re)start after a session refresh: ours succeeded, or theirs arrived. */
  start(plan: SessionTimerPlan): void {
    if (this.#closed) return;
    this.#plan = plan;
    this.#arm();
  }

  /** A refresh from the other side arrived: the session is alive. */
  refreshed(): void {
    if (this.#plan) this.#arm();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #arm(): void {
    clearTimeout(this.#timer);
    const plan = this.#plan;
    if (!plan || this.#closed) return;
    if (plan.refresher === 'us') {
      // §7.4 / §10: refresh at half the interval.
      this.#timer = setTimeout(
        () => {
          this.#actions.refresh().then(
            () => this.#arm(),
            () => this.#actions.expire(),
          );
        },
        (plan.intervalSec * 1000) / 2,
      );
    } else {
      // §10: without a refresh, send BYE at the interval minus min(32 s, a third of it).
      const marginSec = Math.min(32, plan.intervalSec / 3);
      this.#timer = setTimeout(() => this.#actions.expire(), (plan.intervalSec - marginSec) * 1000);
    }
    this.#timer.unref();
  }
}
