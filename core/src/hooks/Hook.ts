// One decision point: handlers run in order until one decides. Handlers are async and time-limited; a handler
// that throws or times out refuses the call (fail closed) rather than letting a later handler route it.
import { errorMessage } from '../errors.ts';

export interface HookHandlerOptions {
  /** Who registered it, for logs and for `call.routed.by`. */
  readonly name: string;
  /** Lower runs first; equal orders keep registration order. Default 0. */
  readonly order?: number;
}

export type HookHandler<I, O> = (input: I, signal: AbortSignal) => O | Promise<O>;

export type HookOutcome<O> =
  | { readonly decided: true; readonly decision: NonNullable<O>; readonly by: string }
  | { readonly decided: false; readonly reason: string; readonly failedHandler?: string };

interface Registration<I, O> {
  readonly handler: HookHandler<I, O>;
  readonly name: string;
  readonly order: number;
  readonly sequence: number;
}

export class Hook<I, O> {
  readonly name: string;
  readonly #timeoutMs: number;
  #registrations: Registration<I, O>[] = [];
  #sequence = 0;

  constructor(name: string, options: { timeoutMs?: number } = {}) {
    this.name = name;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** Adds a handler; returns the function that removes it. */
  register(handler: HookHandler<I, O>, options: HookHandlerOptions): () => void {
    const registration: Registration<I, O> = {
      handler,
      name: options.name,
      order: options.order ?? 0,
      sequence: this.#sequence++,
    };
    this.#registrations = [...this.#registrations, registration].sort(
      (a, b) => a.order - b.order || a.sequence - b.sequence,
    );
    return () => {
      this.#registrations = this.#registrations.filter((other) => other !== registration);
    };
  }

  get handlerNames(): readonly string[] {
    return this.#registrations.map((registration) => registration.name);
  }

  async run(input: I): Promise<HookOutcome<O>> {
    for (const { handler, name } of this.#registrations) {
      const controller = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            // Reject before aborting: a handler that settles on abort must not win the race.
            reject(new Error(`no answer within ${this.#timeoutMs} ms`));
            controller.abort();
          }, this.#timeoutMs);
        });
        const decision = await Promise.race([Promise.resolve(handler(input, controller.signal)), timeout]);
        if (decision !== undefined && decision !== null) return { decided: true, decision, by: name };
      } catch (error) {
        return {
          decided: false,
          reason: `${this.name} handler '${name}' failed: ${errorMessage(error)}`,
          failedHandler: name,
        };
      } finally {
        clearTimeout(timer);
      }
    }
    return {
      decided: false,
      reason:
        this.#registrations.length === 0
          ? `no ${this.name} handler is registered`
          : `no ${this.name} handler decided (asked: ${this.handlerNames.join(', ')})`,
    };
  }
}
