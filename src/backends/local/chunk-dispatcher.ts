/**
 * Sends queued attempts to the workers in chunks and turns each chunk's
 * reply into the attempts' outcomes (a worker's death goes to
 * `WorkerDeaths`). It keeps up to `maxChunks` chunks out at once (busy
 * slots) and refills a worker the moment its chunk comes back.
 */
import { Piscina } from 'piscina';
import type { EncodedError, TaskEnvelope } from '../../contract/envelope.js';
import { AbortError, type OffloadError } from '../../errors.js';
import { SlotList } from '../slot-list.js';
import type { ChunkPool } from './chunk-pool.js';
import type { ChunkSizer } from './chunk-sizing.js';
import type { DurationEstimator } from './duration-estimator.js';
import { type Chunk, type Job, SENT, SETTLED, type WorkerSlot } from './job.js';
import type { JobQueue } from './job-queue.js';
import { idleDeathCulprit, type LateFault, taintError } from './late-fault.js';
import { abortChunk, armWatchdog } from './watchdog.js';
import {
  type ChunkMessage,
  type ChunkReply,
  chunkBinary,
  createProgressBuffer,
  PROGRESS,
  packEnvelopes,
  toResultEnvelope,
  unpackResults,
} from './wire-format.js';
import type { WorkerAffinity } from './worker-affinity.js';
import { moduleLoadError } from './worker-death.js';
import { WorkerDeaths } from './worker-deaths.js';

/** The error of an attempt the offloader's `destroy()` cut short. */
export function destroyedError(): AbortError {
  return new AbortError('The offloader was destroyed before the task finished');
}

/** What the dispatcher works with. */
export interface ChunkDispatcherOptions {
  pool: ChunkPool;
  queue: JobQueue;
  /** Keyed attempts' lanes and the workers' slots. */
  affinity: WorkerAffinity;
  sizer: ChunkSizer;
  durations: DurationEstimator;
  /** Chunks out at once: workers times chunks per worker. */
  maxChunks: number;
  tasksUrl: URL;
  workerMemoryMb?: number;
  /** The pool's doorbell (`LocalWorkerData.abortBell`). */
  abortBell: Int32Array;
  /** Grace period of tasks without their own `abortGraceMs`. */
  abortGraceMs: number;
  /** See `LocalBackendOptions.onChunkHealth`. */
  onChunkHealth?: (fault: OffloadError | undefined) => void;
  /** See `LocalBackendOptions.onLateFault`. */
  onLateFault?: (fault: LateFault) => void;
}

/** Moves jobs from the queue to the workers and settles them from the replies. */
export class ChunkDispatcher {
  readonly #options: ChunkDispatcherOptions;
  readonly #pool: ChunkPool;
  readonly #queue: JobQueue;
  #busySlots = 0;
  readonly #active = new SlotList<Chunk>();
  #pumpScheduled = false;
  #stopped = false;
  #onIdle: (() => void) | undefined;
  readonly #deaths: WorkerDeaths;
  /** Workers replaced because a task changed `Object.prototype` or added a global. */
  recycledWorkers = 0;
  /**
   * Whether the workers can restore a trace context (see `ChunkReply.traceContext`):
   * unknown until the first reply says, then true once any worker said so.
   */
  #workersTrace: boolean | undefined;
  /** The last chunk each worker answered, by thread id: a worker that dies idle wrote its fault's origin there. */
  readonly #lastReplied = new Map<number, Chunk>();
  readonly #pumpTask = (): void => this.pump();
  readonly #takeLane = (lane: Parameters<ChunkSizer['take']>[0]): Job[] => this.#options.sizer.take(lane);
  readonly #dispatchTo = (jobs: Job[], target: WorkerSlot, grow?: boolean): void => this.#dispatch(jobs, target, grow);
  readonly #expire = (job: Job, error: OffloadError): void => this.#queue.settle(job, error);
  readonly #releaseSlot = (): void => {
    this.#busySlots--;
    this.schedulePump();
  };

  constructor(options: ChunkDispatcherOptions) {
    this.#options = options;
    this.#pool = options.pool;
    this.#queue = options.queue;
    this.#deaths = new WorkerDeaths(options);
    // A worker that dies with no task of ours on it (a stray timer after its
    // task settled) is replaced by piscina; count it and charge it to its task.
    this.#pool.on('error', (error: unknown) => {
      this.#deaths.workerFaults++;
      this.#reportIdleDeath(error);
    });
  }

  /** Worker crashes, exits and out-of-memory terminations seen so far. */
  get workerFaults(): number {
    return this.#deaths.workerFaults;
  }

  /** Runs {@link pump} in a microtask (once, however often it is asked). */
  schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    queueMicrotask(this.#pumpTask);
  }

  /** Sends chunks while a slot is free and attempts are queued. */
  pump(): void {
    this.#pumpScheduled = false;
    const queue = this.#queue;
    const sizer = this.#options.sizer;
    // Keyed attempts first, each to its idle worker; they also bound the shared queue's chunks while they wait.
    const maxChunks = this.#stopped ? 0 : this.#options.affinity.pump(this.#takeLane, this.#dispatchTo, this.#options.maxChunks);
    while (!this.#stopped && this.#busySlots < maxChunks) {
      const jobs = sizer.take(queue);
      if (jobs.length === 0) break;
      this.#dispatch(jobs);
    }
    if (this.#onIdle !== undefined && this.#busySlots === 0 && queue.queued === 0) this.#onIdle();
  }

  /** Resolves once no chunk is out and nothing is queued (or after {@link stop} and the pool's end, see {@link wakeIdle}). */
  whenIdle(): Promise<void> {
    if (this.#busySlots === 0 && this.#queue.queued === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#onIdle = () => {
        this.#onIdle = undefined;
        resolve();
      };
    });
  }

  /** Sends nothing more; chunks that fail from now on settle their attempts with an `AbortError`. */
  stop(): void {
    this.#stopped = true;
  }

  /** Resolves a pending {@link whenIdle}, whatever is left (after the pool was destroyed). */
  wakeIdle(): void {
    this.#onIdle?.();
  }

  /** How long `job` may take to stop after its signal aborted, before its worker is terminated, ms. */
  readonly graceOf = (job: Job): number => job.task?.abortGraceMs ?? this.#options.abortGraceMs;

  /**
   * Settles every attempt out on a worker with `error()` (the pool is being
   * destroyed) and asks the running ones to stop; resolves with the longest
   * grace period among them (0 when none was running).
   */
  abortSent(error: () => OffloadError): number {
    let graceMs = 0;
    for (const chunk of this.#active.values()) graceMs = Math.max(graceMs, abortChunk(chunk, error, this.graceOf, this.#expire));
    return graceMs;
  }

  /** The chunks out at a worker now. */
  get activeChunks(): Iterable<Chunk> {
    return this.#active;
  }

  #dispatch(jobs: Job[], target?: WorkerSlot, grow?: boolean): void {
    this.#busySlots++;
    const progress = createProgressBuffer(jobs.length);
    const chunk: Chunk = {
      jobs,
      progress,
      running: new Int32Array(progress, 0, 1),
      startedAt: new Float64Array(progress, PROGRESS.startedAtByte, 1),
      slots: new Int32Array(progress, PROGRESS.slotsByte, jobs.length),
      bell: this.#options.abortBell,
      controller: new AbortController(),
      activeSlot: -1,
      target,
      worker: undefined,
      grow,
    };
    const envelopes = new Array<TaskEnvelope>(jobs.length);
    const now = performance.now();
    const queue = this.#queue;
    const carryContext = this.#workersTrace !== false;
    for (let index = 0; index < jobs.length; index++) {
      const job = jobs[index];
      envelopes[index] = job.envelope;
      queue.markSent(job, chunk, index);
      job.sink.dispatched(now, carryContext);
    }
    chunk.activeSlot = this.#active.add(chunk);
    const timeoutMs = jobs[0].envelope.timeoutMs;
    if (timeoutMs !== undefined) armWatchdog(chunk, timeoutMs, this.graceOf(jobs[0]), this.#expire);
    // The chunk rides along under piscina's queue-options key (not sent to the worker) for the balancer (worker-affinity.ts).
    const message: ChunkMessage = { envelopes: packEnvelopes(envelopes), progress, [Piscina.queueOptionsSymbol]: chunk };
    const binary = chunkBinary(envelopes);
    if (binary !== undefined) message.binary = binary.binary;
    this.#pool.run(message, { signal: chunk.controller.signal, transferList: binary?.transferList }).then(
      (reply) => this.#onReply(chunk, reply),
      (error: unknown) => this.#onChunkError(chunk, error),
    );
    // piscina places a task synchronously when a worker is free, as the target is (a chunk that grows the pool waits: the balancer reports it).
    if (target !== undefined && grow !== true && chunk.worker !== target) this.#options.affinity.misplaced(chunk, target);
  }

  #onReply(chunk: Chunk, reply: ChunkReply): void {
    clearTimeout(chunk.watchdog);
    clearTimeout(chunk.graceTimer);
    this.#notOut(chunk);
    this.#options.onChunkHealth?.(undefined);
    if (reply.loadError !== undefined) {
      this.#failLoad(chunk, reply.loadError);
      return;
    }
    this.#rememberReply(reply.threadId, chunk);
    if (reply.traceContext !== undefined && this.#workersTrace !== true) this.#workersTrace = reply.traceContext;
    const results = unpackResults(reply.results);
    const queue = this.#queue;
    if (results.length < chunk.jobs.length) queue.requeueFront(chunk.jobs.slice(results.length));
    // Refill the worker before settling: callers' continuations run while it works.
    if (reply.tainted !== undefined) {
      this.recycledWorkers++;
      this.#options.onLateFault?.({ taskName: reply.tainted.taskName, taskId: reply.tainted.taskId, error: taintError(reply.tainted) });
    }
    if (reply.retire) this.#retire(reply.threadId);
    else {
      this.#options.affinity.done(chunk);
      this.#busySlots--;
      this.pump();
    }
    const durations = this.#options.durations;
    const workerId = reply.threadId;
    for (let index = 0; index < results.length; index++) {
      const packed = results[index];
      if (packed === null) continue;
      const job = chunk.jobs[index];
      durations.record(job.envelope.task, packed[0]);
      if (job.state !== SETTLED) queue.settle(job, undefined, toResultEnvelope(job.envelope.id, packed, reply.binary?.[index]), workerId);
    }
  }

  /** The worker could not load the task module: every attempt of the chunk fails. */
  #failLoad(chunk: Chunk, loadError: EncodedError): void {
    this.#options.affinity.done(chunk);
    for (const job of chunk.jobs) this.#queue.settle(job, moduleLoadError(this.#options.tasksUrl, loadError));
    this.#releaseSlot();
  }

  /** Replaces the worker that reached `maxTasksPerWorker`; its slot stays busy until the old worker is gone, so nothing is sent to it. */
  #retire(threadId: number): void {
    const worker = this.#pool.threads.find((thread) => thread.threadId === threadId);
    if (worker === undefined) this.#releaseSlot();
    else worker.terminate().then(this.#releaseSlot, this.#releaseSlot);
  }

  #onChunkError(chunk: Chunk, error: unknown): void {
    clearTimeout(chunk.watchdog);
    clearTimeout(chunk.graceTimer);
    this.#notOut(chunk);
    this.#options.affinity.done(chunk);
    if (this.#stopped) {
      for (const job of chunk.jobs) this.#queue.settle(job, destroyedError());
    } else this.#deaths.settleDeadChunk(chunk, error);
    this.#releaseSlot();
  }

  /** `chunk` came back (answered or failed): it is no longer out, and its slot may be reused. */
  #notOut(chunk: Chunk): void {
    this.#active.delete(chunk.activeSlot);
    chunk.activeSlot = -1;
  }

  #rememberReply(threadId: number, chunk: Chunk): void {
    const lastReplied = this.#lastReplied;
    lastReplied.set(threadId, chunk);
    if (lastReplied.size <= 2 * this.#options.maxChunks) return;
    // Forget workers that are gone.
    const alive = new Set(this.#pool.threads.map((thread) => thread.threadId));
    for (const id of lastReplied.keys()) if (!alive.has(id)) lastReplied.delete(id);
  }

  /** A worker died with no chunk on it: the task whose leftovers killed it wrote its id into the worker's last chunk. */
  #reportIdleDeath(error: unknown): void {
    const culprit = idleDeathCulprit(this.#lastReplied);
    if (culprit !== undefined) this.#deaths.reportLate(culprit.taskName, culprit.taskId, error);
  }
}
