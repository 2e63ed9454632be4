// The dial plan as a chain, read top to bottom like a PBX's: rules in order, then the gateway's mappings,
// then direct dialling of an app-given SIP target, then the fallback. The first that matches decides.
import type { CallRequest, RouteDecision } from '@cubebridge/core';
import type { DialPlanConfig, Pattern, Rule } from './DialPlanSchema.ts';
import { isWithin } from './TimeWindow.ts';
import { parseUri } from './uri.ts';

export interface DialPlanDecision {
  readonly decision: RouteDecision;
  /** Which rule decided (`rule 2 "support"`, `mapping sip:joao@empresa.com`, `direct dial`, `fallback`). */
  readonly by: string;
}

export class DialPlan {
  readonly #config: DialPlanConfig;
  /** SIP URI (normalized) → app user id and → the URI as written, and app user id → SIP URI, from the mappings. */
  readonly #sipToUser = new Map<string, string>();
  readonly #sipAsWritten = new Map<string, string>();
  readonly #userToSip = new Map<string, string>();

  constructor(config: DialPlanConfig, mappings: Readonly<Record<string, string>> = {}) {
    this.#config = config;
    if (config.mappings) {
      for (const [uri, user] of Object.entries(mappings)) {
        this.#sipToUser.set(parseUri(uri).normalized, user);
        this.#sipAsWritten.set(parseUri(uri).normalized, uri);
        this.#userToSip.set(user, uri);
      }
    }
  }

  decide(request: CallRequest, now: Date = new Date()): DialPlanDecision | undefined {
    const target = dialledTarget(request);
    for (const [index, rule] of this.#config.rules.entries()) {
      const captures = this.#matches(rule, request, target, now);
      if (captures)
        return {
          decision: act(rule, captures),
          by: `rule ${index + 1}${rule.name ? ` "${rule.name}"` : ''}`,
        };
    }
    const mapped = this.#byMapping(request, target);
    if (mapped) return mapped;
    if (this.#config.directDial && request.direction === 'platform-to-sip' && /^sips?:/.test(target)) {
      return { decision: { destination: { kind: 'sip', uri: target } }, by: 'direct dial' };
    }
    const fallback = this.#config.fallback;
    if (fallback && this.#matches(fallback, request, target, now)) {
      return { decision: act(fallback, []), by: 'fallback' };
    }
    return undefined;
  }

  /** Captures (`[whole, $1, …]`) when the rule applies, undefined when it does not. */
  #matches(rule: Rule, request: CallRequest, target: string, now: Date): string[] | undefined {
    if (rule.direction && rule.direction !== request.direction) return undefined;
    if (rule.ring && request.direction !== 'sip-to-platform') return undefined;
    if (rule.dial && request.direction !== 'platform-to-sip') return undefined;
    if (rule.when && !isWithin(rule.when, now)) return undefined;
    let captures: string[] = [];
    const match = rule.match ?? {};
    for (const [pattern, value] of [
      [match.to, target],
      [match.from, request.from.uri],
    ] as const) {
      if (pattern === undefined) continue;
      const result = matchPattern(pattern, value);
      if (!result) return undefined;
      if (result.length > 1) captures = result;
    }
    for (const [name, pattern] of Object.entries(match.attributes ?? {})) {
      const value = request.attributes[name];
      if (value === undefined || !matchPattern(pattern, value)) return undefined;
    }
    return captures;
  }

  #byMapping(request: CallRequest, target: string): DialPlanDecision | undefined {
    if (request.direction === 'sip-to-platform') {
      const user = this.#sipToUser.get(parseUri(target).normalized);
      if (user)
        return { decision: { destination: { kind: 'platform', users: [user] } }, by: `mapping ${target}` };
      return undefined;
    }
    // Mirrored identities: the app called the ConnectyCube user that stands for a SIP extension, which the
    // platform names either by its user id or by the SIP identity it mirrors. Dial the mapping as written
    // (it may carry a port or parameters the identity does not).
    const called = parseUri(request.to.uri);
    const uri = this.#userToSip.get(called.user) ?? this.#sipAsWritten.get(called.normalized);
    if (uri) return { decision: { destination: { kind: 'sip', uri } }, by: `mapping ${uri}` };
    return undefined;
  }
}

/** What was dialled: the SIP To for phone calls; for app calls, `userInfo.to` if given, else the called identity. */
export function dialledTarget(request: CallRequest): string {
  if (request.direction === 'platform-to-sip') return request.attributes.to ?? request.to.uri;
  return request.to.uri;
}

export function matchPattern(pattern: Pattern, value: string): string[] | undefined {
  const uri = parseUri(value);
  if (typeof pattern === 'string') {
    const whole = /^[a-z][a-z0-9+.-]*:/i.test(pattern);
    const subject = whole ? uri.normalized : uri.user;
    const expected = whole ? parseUri(pattern).normalized : pattern;
    const wildcard = new RegExp(`^${expected.split('*').map(escapeRegExp).join('.*')}$`, whole ? 'i' : '');
    return wildcard.test(subject) ? [subject] : undefined;
  }
  if ('prefix' in pattern) return uri.user.startsWith(pattern.prefix) ? [uri.user] : undefined;
  const found = new RegExp(pattern.regex).exec(uri.normalized);
  return found ? found.map((group) => group ?? '') : undefined;
}

function act(rule: Rule, captures: readonly string[]): RouteDecision {
  const fill = (template: string) =>
    template.replace(/\$(\d)/g, (_, index: string) => captures[Number(index)] ?? '');
  if (rule.refuse)
    return {
      refuse: {
        reason: rule.refuse,
        detail: rule.detail ?? `refused by the dial plan${rule.name ? ` (${rule.name})` : ''}`,
      },
    };
  if (rule.dial)
    return {
      destination: { kind: 'sip', uri: fill(rule.dial), ...(rule.account ? { account: rule.account } : {}) },
    };
  const userInfo =
    rule.userInfo &&
    Object.fromEntries(Object.entries(rule.userInfo).map(([key, value]) => [key, fill(value)]));
  return {
    destination: {
      kind: 'platform',
      users: (rule.ring ?? []).map(fill),
      ...(userInfo ? { userInfo } : {}),
      ...(rule.ringTimeoutSec ? { ringTimeoutMs: rule.ringTimeoutSec * 1000 } : {}),
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
