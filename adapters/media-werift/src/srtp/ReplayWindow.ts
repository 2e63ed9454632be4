// The SRTP replay list (RFC 3711 §3.3.2): rejects packets seen before or older than the window.

const WINDOW = 128;

export class ReplayWindow {
  #highest = -1;
  readonly #seen = new Uint8Array(WINDOW);

  /** True when `index` is new and inside the window; call `commit` once the packet has authenticated. */
  check(index: number): boolean {
    if (index > this.#highest) return true;
    if (index <= this.#highest - WINDOW) return false;
    return this.#seen[index % WINDOW] === 0;
  }

  commit(index: number): void {
    if (index > this.#highest) {
      const gap = index - this.#highest;
      if (gap >= WINDOW) this.#seen.fill(0);
      else for (let i = this.#highest + 1; i < index; i++) this.#seen[i % WINDOW] = 0;
      this.#highest = index;
    }
    this.#seen[index % WINDOW] = 1;
  }
}
