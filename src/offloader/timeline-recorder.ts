/**
 * Records an offloader's {@link Timeline} as it runs: each attempt in a
 * bounded ring stored by column ({@link AttemptRing}; the oldest are dropped), the local queue
 * sampled at most every {@link SAMPLE_EVERY_MS}, and every spill, breaker
 * change and retry (each list bounded the same way).
 */
import type { BreakerState, BurstPolicy } from '../scheduler/types.js';
import { AttemptRing, type EndedAttempt } from './attempt-ring.js';
import type { Timeline, TimelineBreakerChange, TimelineRetry, TimelineSample, TimelineSpill } from './timeline.js';

/** Shortest gap between two samples of the local queue, ms. */
const SAMPLE_EVERY_MS = 20;

/** A list that keeps its last `capacity` items. */
class Ring<T> {
  readonly #capacity: number;
  #items: T[] = [];
  #next = 0;
  dropped = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  push(item: T): void {
    if (this.#capacity === 0) {
      this.dropped++;
      return;
    }
    if (this.#items.length < this.#capacity) {
      this.#items.push(item);
      return;
    }
    this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.#capacity;
    this.dropped++;
  }

  toArray(): T[] {
    return [...this.#items.slice(this.#next), ...this.#items.slice(0, this.#next)];
  }
}

/** The local queue as the recorder samples it. */
export interface QueueSource {
  snapshot(): { queued: number; predictedWaitMs: number };
}

/** The timeline of one offloader. */
export class TimelineRecorder {
  readonly #startedAt = performance.now();
  readonly #startedAtEpochMs = Date.now();
  readonly #burst: BurstPolicy;
  readonly #queue: QueueSource;
  readonly #attempts: AttemptRing;
  readonly #samples: Ring<TimelineSample>;
  readonly #spills: Ring<TimelineSpill>;
  readonly #breakers: Ring<TimelineBreakerChange>;
  readonly #retries: Ring<TimelineRetry>;
  #lastSampleAt = Number.NEGATIVE_INFINITY;

  /** Keeps at most `maxAttempts` attempts (and as many items of each other list). */
  constructor(maxAttempts: number, burst: BurstPolicy, queue: QueueSource) {
    this.#burst = burst;
    this.#queue = queue;
    this.#attempts = new AttemptRing(maxAttempts);
    this.#samples = new Ring(maxAttempts);
    this.#spills = new Ring(maxAttempts);
    this.#breakers = new Ring(maxAttempts);
    this.#retries = new Ring(maxAttempts);
  }

  /** `performance.now()` as ms since the recorder started, rounded to µs. */
  at(now = performance.now()): number {
    return Math.round((now - this.#startedAt) * 1000) / 1000;
  }

  /** Samples the local queue unless the last sample is younger than {@link SAMPLE_EVERY_MS}. */
  sample(now = performance.now()): void {
    if (now - this.#lastSampleAt < SAMPLE_EVERY_MS) return;
    this.#lastSampleAt = now;
    const { queued, predictedWaitMs } = this.#queue.snapshot();
    this.#samples.push({ atMs: this.at(now), queued, predictedWaitMs: Math.round(predictedWaitMs * 1000) / 1000 });
  }

  /** An attempt ended now. */
  attempt(ended: EndedAttempt): void {
    const now = performance.now();
    this.#attempts.push(ended, now);
    this.sample(now);
  }

  /** The scheduler sent an `auto` task of `taskName` to `backend`: the pool had `queued` waiting and a predicted wait of `predictedWaitMs`. */
  spill(taskName: string, backend: string, queued: number, predictedWaitMs: number): void {
    const { maxQueueDepth, maxWaitMs } = this.#burst;
    const reasons: string[] = [];
    if (maxQueueDepth !== undefined && queued > maxQueueDepth) reasons.push(`queue depth ${queued} > maxQueueDepth ${maxQueueDepth}`);
    if (maxWaitMs !== undefined && predictedWaitMs > maxWaitMs) reasons.push(`predicted wait ${Math.round(predictedWaitMs)} ms > maxWaitMs ${maxWaitMs}`);
    const reason = reasons.length > 0 ? reasons.join('; ') : 'the local pool was saturated';
    this.#spills.push({ atMs: this.at(), taskName, backend, reason });
  }

  /** A breaker changed state. */
  breaker(backend: string, state: BreakerState, reason: string): void {
    this.#breakers.push({ atMs: this.at(), backend, state, reason });
  }

  /** A failed attempt is tried again. */
  retry(retry: Omit<TimelineRetry, 'atMs'>): void {
    this.#retries.push({ atMs: this.at(), ...retry });
  }

  /** The timeline so far: copies of the lists, in time order. */
  snapshot(): Timeline {
    return {
      version: 1,
      startedAtEpochMs: this.#startedAtEpochMs,
      takenAtMs: this.at(),
      burst: { ...this.#burst },
      attempts: this.#attempts.toArray(this.#startedAt),
      droppedAttempts: this.#attempts.dropped,
      queue: this.#samples.toArray(),
      spills: this.#spills.toArray(),
      breakers: this.#breakers.toArray(),
      retries: this.#retries.toArray(),
    };
  }
}
