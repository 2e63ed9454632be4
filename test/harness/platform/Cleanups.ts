// Teardown registered while a test runs and run after it (from `afterEach`), newest first: a step that fails
// does not keep the others from running.
export class Cleanups {
  readonly #steps: Array<() => Promise<unknown>> = [];

  /** Runs `step` at the next `run()`. */
  add(step: () => Promise<unknown>): void {
    this.#steps.push(step);
  }

  /** Closes `resource` at the next `run()`; returns it. */
  closes<T extends { close(): Promise<unknown> }>(resource: T): T {
    this.add(() => resource.close());
    return resource;
  }

  async run(): Promise<void> {
    for (const step of this.#steps.splice(0).reverse()) await step().catch(() => undefined);
  }
}
