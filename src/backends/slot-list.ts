/**
 * A collection of live items in numbered slots, for sets with constant
 * churn (a stream's running tasks, the pool's chunks out at a worker) where
 * a `Map` or `Set` would keep the young generation's objects from dying
 * young. V8 rebuilds a hash table's storage as entries come and go, and each
 * old storage keeps a pointer to its successor; once one storage has been
 * promoted to the old generation, it drags every later one, and the entries
 * they hold, along with it at each scavenge. With one `Map` entry per task of
 * a 500,000-input `stream`, that promoted ~370 bytes per task that then died
 * in the old generation (more mark-compacts, a larger heap). Here the array
 * grows only to the most items held at once, and a deleted item's slot is
 * cleared and reused.
 */
export class SlotList<T extends object> implements Iterable<T> {
  #items: (T | undefined)[] = [];
  readonly #free: number[] = [];

  /** Holds `item`; returns its slot, which {@link delete} takes. */
  add(item: T): number {
    const slot = this.#free.pop() ?? this.#items.length;
    this.#items[slot] = item;
    return slot;
  }

  /** Lets go of the item in `slot`; a slot already empty is left as it is. */
  delete(slot: number): void {
    if (this.#items[slot] === undefined) return;
    this.#items[slot] = undefined;
    this.#free.push(slot);
  }

  /** The items held now, in slot order (a copy: deleting while iterating it is safe). */
  values(): T[] {
    const values: T[] = [];
    for (const item of this.#items) if (item !== undefined) values.push(item);
    return values;
  }

  /** The items held, in slot order; an item deleted meanwhile is skipped, one added meanwhile may be. */
  *[Symbol.iterator](): Iterator<T> {
    const items = this.#items;
    for (let slot = 0; slot < items.length; slot++) {
      const item = items[slot];
      if (item !== undefined) yield item;
    }
  }

  /** Lets go of every item. */
  clear(): void {
    this.#items = [];
    this.#free.length = 0;
  }
}
