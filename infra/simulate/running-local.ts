/**
 * The simulated pool's running tasks, for the work its workers hold ahead of
 * a new task (what is left of each running task's estimate), as the live
 * pool's backlog counts it.
 */
export class RunningLocal {
  /** Trace index of each running task: when it started and its task name. */
  readonly #started = new Map<number, { at: number; task: string }>();

  /** Trace index `index` (task `task`) started on a worker at `at`. */
  start(index: number, task: string, at: number): void {
    this.#started.set(index, { at, task });
  }

  /** Trace index `index` left its worker (finished or cancelled). */
  end(index: number): void {
    this.#started.delete(index);
  }

  /** What is left at `now` of each running task's estimate (`estimateMs`), at least 0 each, summed, ms. */
  leftMs(now: number, estimateMs: (task: string) => number): number {
    let leftMs = 0;
    for (const { at, task } of this.#started.values()) leftMs += Math.max(0, estimateMs(task) - (now - at));
    return leftMs;
  }
}
