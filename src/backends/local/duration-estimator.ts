/**
 * Running estimates of how long each task takes where it runs (an
 * exponentially weighted moving average per task name), seeded by a task's
 * `expectedDurationMs`, and each task's p99 run time (a native `perf_hooks`
 * histogram per task name: constant memory). The local pool uses them to
 * size its chunks, to predict the wait of a new task and to tell a stalled
 * attempt.
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** Weight of the newest sample in the moving average. */
const SMOOTHING = 0.2;

/** Per-task-name moving averages and p99s of run time. */
export class DurationEstimator {
  readonly #estimates = new Map<string, number>();
  readonly #histograms = new Map<string, RecordableHistogram>();

  /** Records one measured run time. */
  record(taskName: string, durationMs: number): void {
    const previous = this.#estimates.get(taskName);
    this.#estimates.set(taskName, previous === undefined ? durationMs : previous + SMOOTHING * (durationMs - previous));
    let histogram = this.#histograms.get(taskName);
    if (histogram === undefined) {
      histogram = createHistogram();
      this.#histograms.set(taskName, histogram);
    }
    // Microseconds, at least 1 (a histogram records positive integers only).
    histogram.record(Math.max(1, Math.round(durationMs * 1000)));
  }

  /** The current estimate, else `expectedDurationMs`, else undefined (never measured). */
  estimateMs(taskName: string, expectedDurationMs?: number): number | undefined {
    return this.#estimates.get(taskName) ?? expectedDurationMs;
  }

  /** The 99th percentile of the measured run times, ms; undefined when never measured. */
  p99Ms(taskName: string): number | undefined {
    const histogram = this.#histograms.get(taskName);
    return histogram === undefined ? undefined : histogram.percentile(99) / 1000;
  }
}
