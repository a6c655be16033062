/**
 * The local backend: a piscina pool of worker threads behind a queue that
 * spillway owns. Queued attempts go to workers in chunks sized from each
 * task's measured run time, so tiny tasks are not bound by the thread round
 * trip, while results, errors and callbacks stay per task. A chunk's shared
 * progress buffer tells which attempt was running when a worker died or was
 * stopped, so only that attempt fails and the others are sent again.
 *
 * This file wires the parts: the {@link JobQueue}, the {@link ChunkSizer},
 * the {@link ChunkDispatcher} and the worker pool.
 */
import type { ResultEnvelope, TaskEnvelope } from '../../contract/envelope.js';
import { AbortError, CapacityError, type OffloadError } from '../../errors.js';
import { waitForAbort } from '../abort-fanout.js';
import type { Backend, InvokeOptions } from '../backend.js';
import type { AttemptSink } from './attempt-sink.js';
import { ChunkDispatcher, destroyedError } from './chunk-dispatcher.js';
import type { ChunkPool } from './chunk-pool.js';
import { ChunkSizer, TARGET_CHUNK_MS } from './chunk-sizing.js';
import type { WorkerSizing } from './cpu-budget.js';
import { DurationEstimator } from './duration-estimator.js';
import { type Job, QUEUED } from './job.js';
import { JobQueue } from './job-queue.js';
import type { LocalBackendOptions } from './local-backend-options.js';
import { createChunkPool } from './process-pool.js';
import { StallWatch } from './stall-watch.js';
import { cancelSent, skipUnstarted } from './watchdog.js';
import { type AffinityStats, WorkerAffinity } from './worker-affinity.js';
import { workersBacklog } from './workers-backlog.js';

/** Live signals of the local pool. */
export interface LocalSnapshot {
  /** Attempts waiting: in spillway's queue, or handed to a worker that has not started them yet. */
  queued: number;
  /** Attempts a worker has started and that have not settled. */
  running: number;
  /** Workers alive now: threads, or processes under process isolation (both kinds added up when tasks use both). */
  workers: number;
  /** Worker crashes, exits and out-of-memory terminations seen so far. */
  workerFaults: number;
  /** Workers replaced after a task changed `Object.prototype` or added an enumerable global (each reported as an `error` event, `ERR_WORKER_TAINTED`). */
  recycledWorkers: number;
  /** Attempts seen running past their `stallAfterMs` so far (see the `stall` event). */
  stalls: number;
  /** The largest number of workers and where it came from (the `local.maxWorkers` option, `os.availableParallelism()` or a cgroup CPU quota). */
  sizing: WorkerSizing;
  /** Keyed attempts (an `affinityKey` or the task's `affinity`) that went to their key's worker, those that did not, and the hit rate. */
  affinity: AffinityStats;
  /** How long a new task would wait for a worker: the estimated work queued (per-task moving averages) over the workers, ms. */
  predictedWaitMs: number;
}

/** An attempt the local pool accepted, as {@link LocalBackend.cancelUnstarted} takes it. */
export type LocalAttempt = Job;

/** The local piscina backend. */
export interface LocalBackend extends Backend {
  /**
   * `invoke` without the promise: progress and outcome go to `sink`. The
   * offloader's hot path uses it. `options.onDispatch` is not called here.
   * Returns the accepted attempt (for {@link cancelUnstarted}), or
   * undefined when it was refused (`sink` hears why).
   */
  submit(envelope: TaskEnvelope, options: InvokeOptions, sink: AttemptSink): LocalAttempt | undefined;
  /**
   * Fails an attempt with `error` if no worker has started it (it is queued,
   * or sent to a worker that has not reached it): true if so, and its sink
   * hears `error` at once. False, doing nothing, when it runs or settled.
   */
  cancelUnstarted(attempt: LocalAttempt, error: OffloadError): boolean;
  readonly kind: 'local';
  /** Live queue and pool signals. */
  snapshot(): LocalSnapshot;
  /** Per-task run time estimates measured on this pool. */
  readonly durations: DurationEstimator;
  /** Settles every pending attempt with `error()` (default: destroyed), gives running tasks their grace period to stop, then stops the workers. */
  destroy(error?: () => AbortError): Promise<void>;
}

/** Keyed attempts one worker may have waiting before the next goes elsewhere (`local.affinityMaxQueue`). */
const DEFAULT_AFFINITY_MAX_QUEUE = 1000;

/** Creates one local pool (of threads or of processes) and pre-allocates `minWorkers` workers. */
export function createLocalPool(options: LocalBackendOptions): LocalBackend {
  return new LocalPool(options);
}

/** {@link LocalBackend} over a {@link JobQueue}, a {@link ChunkSizer} and a {@link ChunkDispatcher}. */
class LocalPool implements LocalBackend {
  readonly kind = 'local';
  readonly name: string;
  readonly maxConcurrency: number;
  readonly durations: DurationEstimator;
  readonly #maxQueue: number;
  readonly #sizing: WorkerSizing;
  readonly #pool: ChunkPool;
  readonly #queue = new JobQueue();
  readonly #dispatcher: ChunkDispatcher;
  readonly #stallWatch: StallWatch;
  readonly #affinity: WorkerAffinity;
  #closing = false;

  constructor(options: LocalBackendOptions) {
    const { maxWorkers, maxTasksPerWorker } = options;
    const processes = options.isolation === 'process';
    this.durations = options.durations ?? new DurationEstimator();
    this.name = options.name;
    this.maxConcurrency = maxWorkers;
    this.#maxQueue = options.maxQueue;
    this.#sizing = Object.freeze({ maxWorkers, source: options.maxWorkersSource ?? 'option' });
    // Each worker holds its running chunk plus the next one, which it starts the
    // moment the first ends (the worker runs chunks one after another), so it
    // never idles for a round trip. Recycling workers keeps one chunk each, so
    // a retiring worker holds no waiting chunk.
    // A process holds one chunk at a time (see process-pool.ts).
    const chunksPerWorker = maxTasksPerWorker === undefined && !processes ? 2 : 1;
    const maxChunks = maxWorkers * chunksPerWorker;
    // The doorbell through which the pool asks a running task to stop (see abort-watch.ts).
    const abortBell = new SharedArrayBuffer(4);
    const affinity = new WorkerAffinity({
      backend: options.name,
      maxWorkers,
      minWorkers: options.minWorkers,
      chunksPerWorker,
      maxQueued: options.affinityMaxQueue ?? DEFAULT_AFFINITY_MAX_QUEUE,
      queue: this.#queue,
      onMiss: options.affinityMissListener,
      wake: () => this.#dispatcher.schedulePump(),
    });
    this.#affinity = affinity;
    this.#pool = createChunkPool({ ...options, chunksPerWorker, abortBell, loadBalancer: affinity.balance });
    affinity.watch(this.#pool);
    this.#dispatcher = new ChunkDispatcher({
      pool: this.#pool,
      queue: this.#queue,
      affinity,
      sizer: new ChunkSizer(this.durations, maxChunks, maxTasksPerWorker, processes),
      durations: this.durations,
      maxChunks,
      tasksUrl: options.tasksUrl,
      workerMemoryMb: options.workerMemoryMb,
      abortGraceMs: options.abortGraceMs,
      abortBell: new Int32Array(abortBell),
      onChunkHealth: options.onChunkHealth,
      onLateFault: options.onLateFault,
    });
    const dispatcher = this.#dispatcher;
    this.#stallWatch = new StallWatch({
      backend: options.name,
      stallAfterMs: options.stallAfterMs,
      onStall: options.onStall ?? 'report',
      durations: this.durations,
      chunks: () => dispatcher.activeChunks,
      listener: options.stallListener,
    });
  }

  submit(envelope: TaskEnvelope, invokeOptions: InvokeOptions, sink: AttemptSink): Job | undefined {
    const { signal } = invokeOptions;
    const refused = this.#refusal(envelope, signal);
    if (refused !== undefined) {
      queueMicrotask(() => sink.settled(refused, undefined));
      return undefined;
    }
    const job: Job = {
      envelope,
      task: invokeOptions.task,
      chunkSize: invokeOptions.chunkSize,
      signal,
      sink,
      affinityKey: invokeOptions.affinityKey,
      state: QUEUED,
      index: -1,
      unstartedResends: 0,
    };
    if (signal !== undefined) job.abortSlot = waitForAbort(signal, () => this.#abort(job));
    const key = job.affinityKey;
    if (key === undefined || !this.#affinity.route(job, key)) this.#queue.push(job);
    this.#dispatcher.schedulePump();
    return job;
  }

  cancelUnstarted(job: Job, error: OffloadError): boolean {
    if (job.state !== QUEUED && !skipUnstarted(job)) return false;
    this.#queue.settle(job, error);
    return true;
  }

  invoke(envelope: TaskEnvelope, invokeOptions: InvokeOptions = {}): Promise<ResultEnvelope> {
    return new Promise<ResultEnvelope>((resolve, reject) => {
      this.submit(envelope, invokeOptions, {
        dispatched: () => invokeOptions.onDispatch?.(),
        settled: (error, result) => (error === undefined ? resolve(result as ResultEnvelope) : reject(error)),
      });
    });
  }

  /** A task's estimated run time, one chunk's worth when never measured (as the predicted wait counts it). */
  #estimateOrChunk = (taskName: string): number => this.#queue.estimateMs(this.durations, taskName) ?? TARGET_CHUNK_MS;

  snapshot(): LocalSnapshot {
    const queue = this.#queue;
    const backlog = workersBacklog(this.#dispatcher.activeChunks, this.#estimateOrChunk, Date.now());
    const running = queue.running - backlog.waiting;
    const ahead = { workMs: backlog.workMs, workerFree: running < this.maxConcurrency };
    const predictedWaitMs = queue.predictWaitMs(this.durations, this.maxConcurrency, TARGET_CHUNK_MS, ahead);
    return {
      queued: queue.queued + backlog.waiting,
      running,
      workers: this.#pool.threads.length,
      workerFaults: this.#dispatcher.workerFaults,
      recycledWorkers: this.#dispatcher.recycledWorkers,
      stalls: this.#stallWatch.stalls,
      affinity: this.#affinity.stats(),
      sizing: this.#sizing,
      predictedWaitMs,
    };
  }

  async close(): Promise<void> {
    this.#closing = true;
    await this.#dispatcher.whenIdle();
    this.#stallWatch.stop();
    await this.#pool.destroy();
  }

  /**
   * Settles every attempt with `error()` at once, aborts the running tasks'
   * signals, waits up to their grace period for them to stop, then stops the
   * workers.
   */
  async destroy(error: () => AbortError = destroyedError): Promise<void> {
    this.#closing = true;
    this.#stallWatch.stop();
    const dispatcher = this.#dispatcher;
    dispatcher.stop();
    this.#queue.drain(error);
    this.#affinity.drain(error);
    const graceMs = dispatcher.abortSent(error);
    if (graceMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      await Promise.race([dispatcher.whenIdle(), graceOver]);
      clearTimeout(timer);
    }
    await this.#pool.destroy();
    dispatcher.wakeIdle();
  }

  #abort(job: Job): void {
    const error = new AbortError(`Task "${job.envelope.task}" was aborted`, { cause: job.signal?.reason, taskName: job.envelope.task });
    // A worker that has not reached the attempt skips it; one running it is stopped.
    cancelSent(job, error, this.#dispatcher.graceOf(job));
    this.#queue.settle(job, error);
  }

  #refusal(envelope: TaskEnvelope, signal: AbortSignal | undefined): OffloadError | undefined {
    if (this.#closing) return new CapacityError('The local pool is closed: create a new offloader to run more tasks', { code: 'ERR_CLOSED', retryable: false });
    if (signal?.aborted) return new AbortError(`Task "${envelope.task}" was aborted before it was queued`, { cause: signal.reason });
    if (this.#queue.queued >= this.#maxQueue) {
      return new CapacityError(
        `The local queue is full (local.maxQueue = ${this.#maxQueue}): use map() for large batches, wait for tasks to settle, or raise local.maxQueue`,
        { code: 'ERR_QUEUE_FULL' },
      );
    }
    return undefined;
  }
}
