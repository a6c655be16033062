/**
 * How many queued attempts travel to a worker together: enough to make the
 * thread round trip negligible, by each task's measured run time (Python's
 * `Pool.map(chunksize)`, automatic), and never an attempt that must travel
 * alone.
 */
import type { DurationEstimator } from './duration-estimator.js';
import type { Job } from './job.js';

/** Where chunks are taken from: the shared `JobQueue` or one worker's `Lane`. */
interface JobSource {
  readonly queued: number;
  peek(): Job | undefined;
  dequeue(): Job | undefined;
}

/** Work per chunk the automatic sizing aims for: large against the thread round trip and the main thread's per-chunk work, small enough that a queued task waits at most a few chunks. */
export const TARGET_CHUNK_MS = 10;
/** Upper bound of a chunk, whatever the estimate. */
const MAX_CHUNK = 1024;

/** Takes chunks off the pool's queue or a worker's lane. */
export class ChunkSizer {
  readonly #durations: DurationEstimator;
  readonly #maxChunks: number;
  readonly #maxTasksPerWorker: number | undefined;
  readonly #nonIdempotentAlone: boolean;

  /**
   * `maxChunks`: chunks the pool holds at once; `maxTasksPerWorker`: a
   * worker's lifetime, which no chunk exceeds; `nonIdempotentAlone`: a
   * non-idempotent attempt travels alone (process workers, which learn of a
   * cancellation by message: see `process-pool.ts`).
   */
  constructor(durations: DurationEstimator, maxChunks: number, maxTasksPerWorker: number | undefined, nonIdempotentAlone = false) {
    this.#durations = durations;
    this.#maxChunks = maxChunks;
    this.#maxTasksPerWorker = maxTasksPerWorker;
    this.#nonIdempotentAlone = nonIdempotentAlone;
  }

  /** Dequeues the next chunk (empty when nothing is queued). */
  take(queue: JobSource): Job[] {
    const first = queue.dequeue();
    if (first === undefined) return [];
    const jobs = [first];
    const limit = this.#limit(first, queue.queued);
    while (jobs.length < limit) {
      const next = queue.peek();
      // Attempts with a timeout travel alone, so stopping one never disturbs another.
      if (next === undefined || next.envelope.timeoutMs !== undefined) break;
      if (this.#nonIdempotentAlone && next.task?.idempotent === false) break;
      queue.dequeue();
      jobs.push(next);
      // A non-idempotent attempt ends its chunk: no later crash can lose its result.
      if (next.task?.idempotent === false) break;
    }
    return jobs;
  }

  /** The size of the chunk that starts with `first`, with `queued` attempts (`first` included) waiting. */
  #limit(first: Job, queued: number): number {
    if (first.envelope.timeoutMs !== undefined || first.task?.idempotent === false) return 1;
    let limit = first.chunkSize;
    if (limit === undefined) {
      const estimate = this.#durations.estimateMs(first.envelope.task, first.task?.expectedDurationMs);
      if (estimate === undefined) return 1;
      const byDuration = Math.floor(TARGET_CHUNK_MS / Math.max(estimate, 0.001));
      const fairShare = Math.ceil((queued + 1) / (2 * this.#maxChunks));
      limit = Math.min(byDuration, fairShare, MAX_CHUNK);
    }
    if (this.#maxTasksPerWorker !== undefined) limit = Math.min(limit, this.#maxTasksPerWorker);
    return Math.max(1, limit);
  }
}
