/**
 * The offloader's local backend: the pool of its `local.isolation` (threads
 * by default) and, started at the first task that asks for the other
 * isolation with `offloadable({ isolation })`, a second pool of that kind.
 * Both share the run time estimates, and their snapshots add up.
 */
import type { ResultEnvelope, TaskEnvelope } from '../../contract/envelope.js';
import type { AbortError, OffloadError } from '../../errors.js';
import type { InvokeOptions } from '../backend.js';
import type { AttemptSink } from './attempt-sink.js';
import { DurationEstimator } from './duration-estimator.js';
import type { Job } from './job.js';
import { createLocalPool, type LocalBackend, type LocalSnapshot } from './local-backend.js';
import type { LocalBackendOptions } from './local-backend-options.js';

type Isolation = 'thread' | 'process';

/** Creates the local backend and pre-allocates `minWorkers` workers of its default isolation. */
export function createLocalBackend(options: LocalBackendOptions): LocalBackend {
  return new LocalPools(options);
}

/** {@link LocalBackend} over one pool per isolation in use. */
class LocalPools implements LocalBackend {
  readonly kind = 'local';
  readonly name: string;
  readonly maxConcurrency: number;
  readonly durations: DurationEstimator;
  readonly #options: LocalBackendOptions;
  readonly #isolation: Isolation;
  readonly #main: LocalBackend;
  /** The pool of the other isolation, once a task asked for it. */
  #other: LocalBackend | undefined;
  /** Attempts running on {@link #other}. */
  readonly #otherJobs = new WeakSet<Job>();

  constructor(options: LocalBackendOptions) {
    this.durations = options.durations ?? new DurationEstimator();
    this.#options = { ...options, durations: this.durations };
    this.#isolation = options.isolation ?? 'thread';
    this.#main = createLocalPool(this.#options);
    this.name = options.name;
    this.maxConcurrency = this.#main.maxConcurrency;
  }

  submit(envelope: TaskEnvelope, options: InvokeOptions, sink: AttemptSink): Job | undefined {
    const isolation = options.task?.isolation;
    if (isolation === undefined || isolation === this.#isolation) return this.#main.submit(envelope, options, sink);
    // The other pool starts empty: its workers come as its tasks do.
    this.#other ??= createLocalPool({ ...this.#options, isolation, minWorkers: 0 });
    const job = this.#other.submit(envelope, options, sink);
    if (job !== undefined) this.#otherJobs.add(job);
    return job;
  }

  cancelUnstarted(job: Job, error: OffloadError): boolean {
    const pool = this.#otherJobs.has(job) ? this.#other : this.#main;
    return pool?.cancelUnstarted(job, error) ?? false;
  }

  invoke(envelope: TaskEnvelope, options: InvokeOptions = {}): Promise<ResultEnvelope> {
    return new Promise<ResultEnvelope>((resolve, reject) => {
      this.submit(envelope, options, {
        dispatched: () => options.onDispatch?.(),
        settled: (error, result) => (error === undefined ? resolve(result as ResultEnvelope) : reject(error)),
      });
    });
  }

  snapshot(): LocalSnapshot {
    const main = this.#main.snapshot();
    const other = this.#other?.snapshot();
    if (other === undefined) return main;
    const hits = main.affinity.hits + other.affinity.hits;
    const misses = main.affinity.misses + other.affinity.misses;
    return {
      queued: main.queued + other.queued,
      running: main.running + other.running,
      workers: main.workers + other.workers,
      workerFaults: main.workerFaults + other.workerFaults,
      recycledWorkers: main.recycledWorkers + other.recycledWorkers,
      stalls: main.stalls + other.stalls,
      sizing: main.sizing,
      affinity: { hits, misses, hitRate: hits + misses === 0 ? 0 : hits / (hits + misses) },
      predictedWaitMs: Math.max(main.predictedWaitMs, other.predictedWaitMs),
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.#main.close(), this.#other?.close()]);
  }

  async destroy(error?: () => AbortError): Promise<void> {
    await Promise.all([this.#main.destroy(error), this.#other?.destroy(error)]);
  }
}
