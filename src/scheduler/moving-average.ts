/**
 * The estimator every latency prediction learns with: an exponentially
 * weighted moving average (weight {@link SMOOTHING}, the local pool's) that
 * starts as a running mean. A seed (a task's `expectedDurationMs`, a
 * backend's published cold start) counts as one sample, so the first
 * measurement moves the estimate halfway, the second a third of the way,
 * until the weight of the newest sample reaches 0.2. Why: O(1) state per
 * task and backend on the routing path; it tracks drift (a remote whose
 * speed changes) where a plain mean would not; and a wrong seed is forgotten
 * after a few runs instead of the ~10 a fixed 0.2 weight would take.
 */

/** Weight of the newest sample once the warm-up is over (the local pool's estimator uses the same). */
const SMOOTHING = 0.2;

/** A running mean that becomes an EWMA of weight {@link SMOOTHING}. */
export class MovingAverage {
  #value: number | undefined;
  #samples: number;

  /** `seed`: the estimate before any measurement (counted as one sample); undefined: none. */
  constructor(seed?: number) {
    this.#value = seed;
    this.#samples = seed === undefined ? 0 : 1;
  }

  /** The estimate, undefined before any seed or sample. */
  get value(): number | undefined {
    return this.#value;
  }

  /** Measured samples plus the seed. */
  get samples(): number {
    return this.#samples;
  }

  /** Adds one measured sample. */
  record(sample: number): void {
    this.#samples++;
    const weight = Math.max(SMOOTHING, 1 / this.#samples);
    this.#value = this.#value === undefined ? sample : this.#value + weight * (sample - this.#value);
  }
}
