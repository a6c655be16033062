/**
 * What hedging learns: per backend and task, the wall time of its attempts
 * from dispatch (a local worker took it, or it was sent to a remote) to
 * the answer reaching the offloader, in a native `perf_hooks` histogram
 * (microseconds, constant memory). Only tasks that hedge feed it. The pool's
 * `DurationEstimator` is not enough here: it keeps a moving average and a
 * p99 bound that is at least 1 s, so it cannot give the p95 of a 50 ms task.
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** Attempts a backend must have answered for a task before its percentile is trusted (below it, no backup is sent). */
const MIN_HEDGE_SAMPLES = 20;

/** Per backend and task, the attempts' durations from dispatch to answer. */
export class HedgeHistory {
  readonly #histograms = new Map<string, RecordableHistogram>();

  /** Records that an attempt of `taskName` on `backend` took `durationMs` (or was cancelled after that long: a lower bound of its duration). */
  record(backend: string, taskName: string, durationMs: number): void {
    const key = `${backend}\u0000${taskName}`;
    let histogram = this.#histograms.get(key);
    if (histogram === undefined) {
      histogram = createHistogram();
      this.#histograms.set(key, histogram);
    }
    histogram.record(Math.max(1, Math.round(durationMs * 1000)));
  }

  /** The `percentile`th percentile of `taskName`'s durations on `backend`, ms; undefined below {@link MIN_HEDGE_SAMPLES} samples. */
  percentileMs(backend: string, taskName: string, percentile: number): number | undefined {
    const histogram = this.#histograms.get(`${backend}\u0000${taskName}`);
    if (histogram === undefined || histogram.count < MIN_HEDGE_SAMPLES) return undefined;
    return histogram.percentile(percentile) / 1000;
  }
}
