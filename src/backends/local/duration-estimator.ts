/**
 * Running estimates of how long each task takes where it runs (an
 * exponentially weighted moving average per task name), seeded by a task's
 * `expectedDurationMs`. The local pool uses them to size its chunks and to
 * predict the wait of a new task.
 */

/** Weight of the newest sample in the moving average. */
const SMOOTHING = 0.2;

/** Per-task-name moving averages of run time. */
export class DurationEstimator {
  readonly #estimates = new Map<string, number>();

  /** Records one measured run time. */
  record(taskName: string, durationMs: number): void {
    const previous = this.#estimates.get(taskName);
    this.#estimates.set(taskName, previous === undefined ? durationMs : previous + SMOOTHING * (durationMs - previous));
  }

  /** The current estimate, else `expectedDurationMs`, else undefined (never measured). */
  estimateMs(taskName: string, expectedDurationMs?: number): number | undefined {
    return this.#estimates.get(taskName) ?? expectedDurationMs;
  }
}
