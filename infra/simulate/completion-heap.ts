/** The simulator's pending completions, earliest first (a binary min-heap; ties by insertion order, so runs are deterministic). */

/** One run that will finish at `at`. */
export interface Completion {
  /** When the run's result arrives, ms. */
  at: number;
  /** Insertion order, the tie-break. */
  seq: number;
  /** Index of the remote in the setting's `remotes`, or -1 for the local pool. */
  remote: number;
  /** Index of the environment (remote) that ran it; unused for the local pool. */
  env: number;
  /** Index of the arrival in the trace. */
  index: number;
  /** The task's name. */
  task: string;
  /** Its local run time, ms (the pool's estimator learns it). */
  durationMs: number;
  /** Billed price of a remote run, USD (0 locally). */
  costUsd: number;
}

function before(a: Completion, b: Completion): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** A min-heap of completions by time. */
export class CompletionHeap {
  readonly #items: Completion[] = [];

  /** Number of pending completions. */
  get size(): number {
    return this.#items.length;
  }

  /** The earliest completion, without removing it. */
  peek(): Completion | undefined {
    return this.#items[0];
  }

  /** Adds a completion. */
  push(item: Completion): void {
    const items = this.#items;
    let index = items.push(item) - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(items[index], items[parent])) break;
      [items[index], items[parent]] = [items[parent], items[index]];
      index = parent;
    }
  }

  /** Removes and returns the earliest completion. */
  pop(): Completion | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let smallest = index;
      if (left < items.length && before(items[left], items[smallest])) smallest = left;
      if (right < items.length && before(items[right], items[smallest])) smallest = right;
      if (smallest === index) break;
      [items[index], items[smallest]] = [items[smallest], items[index]];
      index = smallest;
    }
    return top;
  }
}
