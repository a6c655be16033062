/**
 * Running estimates of how long each task takes where it runs (an
 * exponentially weighted moving average per task name), seeded by a task's
 * `expectedDurationMs`, and an upper bound of each task's p99 run time. The
 * local pool uses them to size its chunks, to predict the wait of a new task
 * and to tell a stalled attempt.
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** Weight of the newest sample in the moving average. */
const SMOOTHING = 0.2;

/**
 * Run times below this are only counted, not kept in a histogram (it costs
 * ~100 ns per sample on the hot path); the stall limit needs p99s only from
 * 3 s up (10 × p99 against a 30 s floor), ms.
 */
const SLOW_MS = 1_000;

/** What is known of one task's run times. */
interface Estimate {
  /** Moving average, ms. */
  meanMs: number;
  /** Samples under {@link SLOW_MS}. */
  fast: number;
  /** Samples from {@link SLOW_MS} up, in microseconds (native `perf_hooks` histogram: constant memory). */
  slow?: RecordableHistogram;
}

/** Per-task-name moving averages and p99 bounds of run time. */
export class DurationEstimator {
  readonly #estimates = new Map<string, Estimate>();

  /** Records one measured run time. */
  record(taskName: string, durationMs: number): void {
    let estimate = this.#estimates.get(taskName);
    if (estimate === undefined) {
      estimate = { meanMs: durationMs, fast: 0 };
      this.#estimates.set(taskName, estimate);
    } else estimate.meanMs += SMOOTHING * (durationMs - estimate.meanMs);
    if (durationMs < SLOW_MS) {
      estimate.fast++;
      return;
    }
    estimate.slow ??= createHistogram();
    estimate.slow.record(Math.round(durationMs * 1000));
  }

  /** The current estimate, else `expectedDurationMs`, else undefined (never measured). */
  estimateMs(taskName: string, expectedDurationMs?: number): number | undefined {
    return this.#estimates.get(taskName)?.meanMs ?? expectedDurationMs;
  }

  /**
   * The 99th percentile of the measured run times, ms, when it is at least
   * 1 s; else 1 s (an upper bound). Undefined when never measured.
   */
  p99Ms(taskName: string): number | undefined {
    const estimate = this.#estimates.get(taskName);
    if (estimate === undefined) return undefined;
    const slow = estimate.slow;
    const rank = 0.99 * (estimate.fast + (slow?.count ?? 0));
    if (slow === undefined || rank <= estimate.fast) return SLOW_MS;
    return slow.percentile(Math.min(100, (100 * (rank - estimate.fast)) / slow.count)) / 1000;
  }
}
