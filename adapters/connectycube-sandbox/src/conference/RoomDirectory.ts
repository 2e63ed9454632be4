// Conference room ids: apps name rooms with strings (a meeting's `_id`), stock Janus wants positive integers.
export class RoomDirectory {
  readonly #numbers = new Map<string, number>();
  readonly #created = new Set<number>();
  /** Counted ids start high so they do not collide with small numeric room names apps may also use. */
  #next = 1_000_000;

  /** A positive integer stays itself; anything else gets a stable number of its own. */
  numericId(room: unknown): number {
    const text = String(room);
    if (/^[1-9]\d{0,14}$/.test(text)) return Number(text);
    let id = this.#numbers.get(text);
    if (id === undefined) {
      id = this.#next++;
      this.#numbers.set(text, id);
    }
    return id;
  }

  isCreated(room: number): boolean {
    return this.#created.has(room);
  }

  markCreated(room: number): void {
    this.#created.add(room);
  }
}
