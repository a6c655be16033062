/**
 * The local backend: a piscina pool of worker threads behind a queue that
 * spillway owns. Queued attempts are sent to workers in chunks sized from
 * each task's measured run time (Python's `Pool.map(chunksize)`, automatic),
 * so tiny tasks are not bound by the thread round trip, while results,
 * errors and callbacks stay per task. A chunk's shared progress buffer tells
 * which attempt was running when a worker died or was stopped, so only that
 * attempt fails and the others are sent again.
 */
import { Piscina } from 'piscina';
import type { ResultEnvelope, TaskEnvelope } from '../contract/envelope.js';
import { decodeError } from '../contract/error-codec.js';
import { DurationEstimator } from '../duration-estimator.js';
import { AbortError, BackendError, CapacityError, type OffloadError, TimeoutError } from '../errors.js';
import { predictWaitMs } from '../scheduler.js';
import type { ResolvedTaskDefinition } from '../task.js';
import type { Backend, InvokeOptions } from './backend.js';
import {
  type ChunkMessage,
  type ChunkReply,
  createProgressBuffer,
  type LocalWorkerData,
  PROGRESS,
  packEnvelopes,
  SLOT_CANCELLED,
  SLOT_STARTED,
  toResultEnvelope,
  unpackResults,
} from './local-chunk.js';

/** Resolved options of the local pool (see `LocalOptions` for the documented, user-facing form). */
export interface LocalBackendOptions {
  tasksUrl: URL;
  name: string;
  maxWorkers: number;
  minWorkers: number;
  idleTimeoutMs: number;
  maxQueue: number;
  maxTasksPerWorker?: number;
  workerMemoryMb?: number;
  /**
   * Hears the health of the pool once per chunk: `undefined` when the worker
   * came back, the error when it died (crash, exit, out of memory). Timeouts
   * and aborts that spillway itself caused are not reported.
   */
  onChunkHealth?: (fault: OffloadError | undefined) => void;
}

/** Live signals of the local pool. */
export interface LocalSnapshot {
  /** Attempts waiting: in spillway's queue, or handed to a worker that has not started them yet. */
  queued: number;
  /** Attempts a worker has started and that have not settled. */
  running: number;
  /** Worker threads alive now. */
  workers: number;
  /** Worker crashes, exits and out-of-memory terminations seen so far. */
  workerFaults: number;
  /** How long a new task would wait for a worker: the estimated work queued (per-task moving averages) over the workers, ms. */
  predictedWaitMs: number;
}

/** Receives the progress and outcome of one attempt (an object, so a hot path allocates no closures). */
export interface AttemptSink {
  /** The attempt left the queue for a worker at `now` (`performance.now()`). */
  dispatched(now: number): void;
  /** The attempt's outcome: an error, or the result envelope. Called exactly once, never synchronously. */
  settled(error: OffloadError | undefined, result: ResultEnvelope | undefined): void;
}

/** The local piscina backend. */
export interface LocalBackend extends Backend {
  /**
   * `invoke` without the promise: progress and outcome go to `sink`. The
   * offloader's hot path uses it. `options.onDispatch` is not called here.
   */
  submit(envelope: TaskEnvelope, options: InvokeOptions, sink: AttemptSink): void;
  readonly kind: 'local';
  /** Live queue and pool signals. */
  snapshot(): LocalSnapshot;
  /** Per-task run time estimates measured on this pool. */
  readonly durations: DurationEstimator;
}

/** Work per chunk the automatic sizing aims for: large against the thread round trip and the main thread's per-chunk work, small enough that a queued task waits at most a few chunks. */
const TARGET_CHUNK_MS = 10;
/** Upper bound of a chunk, whatever the estimate. */
const MAX_CHUNK = 1024;
/** How often an attempt is sent again after its worker died before it even started, before giving up. */
const MAX_UNSTARTED_RESENDS = 3;

const QUEUED = 0;
const SENT = 1;
const SETTLED = 2;

interface Job {
  envelope: TaskEnvelope;
  task?: ResolvedTaskDefinition;
  chunkSize?: number;
  signal?: AbortSignal;
  onAbort?: () => void;
  sink: AttemptSink;
  state: number;
  chunk?: Chunk;
  index: number;
  unstartedResends: number;
}

interface Chunk {
  jobs: Job[];
  running: Int32Array;
  startedAt: Float64Array;
  slots: Int32Array;
  controller: AbortController;
  kill?: { index: number; error: OffloadError };
  watchdog?: NodeJS.Timeout;
}

function workerUrl(): URL {
  const here = import.meta.url;
  return new URL(here.endsWith('.ts') ? './local-worker-source.mjs' : './local-worker.js', here);
}

/** Creates the local backend and pre-allocates `minWorkers` workers. */
export function createLocalBackend(options: LocalBackendOptions): LocalBackend {
  const { name, maxWorkers, maxQueue, maxTasksPerWorker, workerMemoryMb } = options;
  const workerData: LocalWorkerData = { tasksUrl: options.tasksUrl.href, ...(maxTasksPerWorker === undefined ? {} : { maxTasksPerWorker }) };
  // Each worker holds its running chunk plus the next one, which it starts the
  // moment the first ends (the worker runs chunks one after another), so it
  // never idles for a round trip. Recycling workers keeps one chunk each, so
  // a retiring worker holds no waiting chunk.
  const chunksPerWorker = maxTasksPerWorker === undefined ? 2 : 1;
  const maxChunks = maxWorkers * chunksPerWorker;
  const pool = new Piscina<ChunkMessage, ChunkReply>({
    filename: workerUrl().href,
    minThreads: options.minWorkers,
    maxThreads: maxWorkers,
    idleTimeout: options.idleTimeoutMs,
    concurrentTasksPerWorker: chunksPerWorker,
    workerData,
    ...(workerMemoryMb === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: workerMemoryMb } }),
  });
  const durations = new DurationEstimator();
  let workerFaults = 0;
  // A worker that dies with no task of ours on it (a stray timer after its
  // task settled) is replaced by piscina; count it instead of crashing.
  pool.on('error', () => {
    workerFaults++;
  });

  let queue: Job[] = [];
  let head = 0;
  let queued = 0;
  let running = 0;
  let busySlots = 0;
  const activeChunks = new Set<Chunk>();
  let pumpScheduled = false;
  let closing = false;
  let destroyed = false;
  let onIdle: (() => void) | undefined;

  /** Queued attempts per task name, for the predicted wait of a new task. */
  const queuedByTask = new Map<string, number>();
  const expectedByTask = new Map<string, number>();

  function countQueued(job: Job, delta: 1 | -1): void {
    queued += delta;
    const name = job.envelope.task;
    queuedByTask.set(name, (queuedByTask.get(name) ?? 0) + delta);
    if (delta === 1 && job.task?.expectedDurationMs !== undefined && !expectedByTask.has(name)) expectedByTask.set(name, job.task.expectedDurationMs);
  }

  function settle(job: Job, error: OffloadError | undefined, result?: ResultEnvelope): void {
    if (job.state === SETTLED) return;
    if (job.state === QUEUED) countQueued(job, -1);
    else running--;
    job.state = SETTLED;
    if (job.onAbort !== undefined) job.signal?.removeEventListener('abort', job.onAbort);
    job.sink.settled(error, result);
  }

  function peek(): Job | undefined {
    while (head < queue.length && queue[head].state !== QUEUED) head++;
    return queue[head];
  }

  function dequeue(): Job | undefined {
    const job = peek();
    if (job === undefined) return undefined;
    head++;
    if (head > 4096 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    return job;
  }

  function requeueFront(jobs: Job[]): void {
    const live = jobs.filter((job) => job.state === SENT);
    if (live.length === 0) return;
    for (const job of live) {
      job.state = QUEUED;
      job.chunk = undefined;
      running--;
      countQueued(job, 1);
    }
    queue = [...live, ...queue.slice(head)];
    head = 0;
  }

  function chunkLimit(first: Job): number {
    if (first.envelope.timeoutMs !== undefined || first.task?.idempotent === false) return 1;
    let limit = first.chunkSize;
    if (limit === undefined) {
      const estimate = durations.estimateMs(first.envelope.task, first.task?.expectedDurationMs);
      if (estimate === undefined) return 1;
      const byDuration = Math.floor(TARGET_CHUNK_MS / Math.max(estimate, 0.001));
      const fairShare = Math.ceil((queued + 1) / (2 * maxChunks));
      limit = Math.min(byDuration, fairShare, MAX_CHUNK);
    }
    if (maxTasksPerWorker !== undefined) limit = Math.min(limit, maxTasksPerWorker);
    return Math.max(1, limit);
  }

  function takeChunk(): Job[] {
    const first = dequeue();
    if (first === undefined) return [];
    const jobs = [first];
    const limit = chunkLimit(first);
    while (jobs.length < limit) {
      const next = peek();
      // Attempts with a timeout travel alone, so stopping one never disturbs another.
      if (next === undefined || next.envelope.timeoutMs !== undefined) break;
      dequeue();
      jobs.push(next);
      // A non-idempotent attempt ends its chunk: no later crash can lose its result.
      if (next.task?.idempotent === false) break;
    }
    return jobs;
  }

  function schedulePump(): void {
    if (pumpScheduled) return;
    pumpScheduled = true;
    queueMicrotask(pump);
  }

  function pump(): void {
    pumpScheduled = false;
    while (!destroyed && busySlots < maxChunks) {
      const jobs = takeChunk();
      if (jobs.length === 0) break;
      dispatch(jobs);
    }
    if (onIdle !== undefined && busySlots === 0 && queued === 0) onIdle();
  }

  function releaseSlot(): void {
    busySlots--;
    schedulePump();
  }

  function dispatch(jobs: Job[]): void {
    busySlots++;
    const progress = createProgressBuffer(jobs.length);
    const chunk: Chunk = {
      jobs,
      running: new Int32Array(progress, 0, 1),
      startedAt: new Float64Array(progress, PROGRESS.startedAtByte, 1),
      slots: new Int32Array(progress, PROGRESS.cancelledByte, jobs.length),
      controller: new AbortController(),
    };
    const envelopes = new Array<TaskEnvelope>(jobs.length);
    const now = performance.now();
    for (let index = 0; index < jobs.length; index++) {
      const job = jobs[index];
      envelopes[index] = job.envelope;
      job.state = SENT;
      job.chunk = chunk;
      job.index = index;
      countQueued(job, -1);
      running++;
      job.sink.dispatched(now);
    }
    activeChunks.add(chunk);
    const timeoutMs = jobs[0].envelope.timeoutMs;
    if (timeoutMs !== undefined) armWatchdog(chunk, timeoutMs);
    pool.run({ envelopes: packEnvelopes(envelopes), progress }, { signal: chunk.controller.signal }).then(
      (reply) => onReply(chunk, reply),
      (error: unknown) => onChunkError(chunk, error),
    );
  }

  function armWatchdog(chunk: Chunk, timeoutMs: number): void {
    const check = (): void => {
      if (chunk.jobs[0].state === SETTLED) return;
      if (Atomics.load(chunk.running, 0) === 0) {
        // Not started yet (a worker is being replaced): look again shortly.
        chunk.watchdog = setTimeout(check, Math.min(timeoutMs, 10));
        return;
      }
      const remainingMs = chunk.startedAt[0] + timeoutMs - Date.now();
      if (remainingMs > 0) {
        chunk.watchdog = setTimeout(check, remainingMs);
        return;
      }
      const job = chunk.jobs[0];
      kill(
        chunk,
        0,
        new TimeoutError(`Task "${job.envelope.task}" ran longer than its timeoutMs of ${timeoutMs} ms; its worker was terminated and replaced`, {
          timeoutMs,
          taskName: job.envelope.task,
        }),
      );
    };
    chunk.watchdog = setTimeout(check, timeoutMs);
  }

  function kill(chunk: Chunk, index: number, error: OffloadError): void {
    if (chunk.kill !== undefined) return;
    chunk.kill = { index, error };
    chunk.controller.abort(error);
  }

  function onReply(chunk: Chunk, reply: ChunkReply): void {
    clearTimeout(chunk.watchdog);
    activeChunks.delete(chunk);
    options.onChunkHealth?.(undefined);
    if (reply.loadError !== undefined) {
      const cause = decodeError('task', reply.loadError, {});
      for (const job of chunk.jobs) {
        settle(
          job,
          new BackendError(`The local worker could not load the task module ${options.tasksUrl.href}: ${cause.message}`, {
            code: 'ERR_TASK_MODULE',
            retryable: false,
            cause,
          }),
        );
      }
      releaseSlot();
      return;
    }
    const results = unpackResults(reply.results);
    if (results.length < chunk.jobs.length) requeueFront(chunk.jobs.slice(results.length));
    // Refill the worker before settling: callers' continuations run while it works.
    if (reply.retire) retire(reply.threadId);
    else {
      busySlots--;
      pump();
    }
    for (let index = 0; index < results.length; index++) {
      const packed = results[index];
      if (packed === null) continue;
      const job = chunk.jobs[index];
      durations.record(job.envelope.task, packed[0]);
      if (job.state !== SETTLED) settle(job, undefined, toResultEnvelope(job.envelope.id, packed));
    }
  }

  function retire(threadId: number): void {
    const worker = pool.threads.find((thread) => thread.threadId === threadId);
    if (worker === undefined) {
      releaseSlot();
      return;
    }
    // The slot stays busy until the old worker is gone, so nothing is sent to it.
    worker.terminate().then(releaseSlot, releaseSlot);
  }

  function workerDeath(error: unknown, job: Job | undefined): OffloadError {
    const taskName = job?.envelope.task ?? 'unknown';
    const code = (error as { code?: string } | null)?.code;
    const message = (error as Error | null)?.message ?? String(error);
    if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return new BackendError(
        `Task "${taskName}" exhausted the worker's memory limit (local.workerMemoryMb = ${workerMemoryMb}); the worker was replaced. Raise local.workerMemoryMb or make the task use less memory`,
        { code: 'ERR_WORKER_OUT_OF_MEMORY', retryable: false, cause: error },
      );
    }
    if (/worker exited/i.test(message)) {
      return new BackendError(`The worker running task "${taskName}" exited (${message}), for example through process.exit(); the worker was replaced`, {
        code: 'ERR_WORKER_EXITED',
        retryable: false,
        cause: error,
      });
    }
    return new BackendError(`The worker running task "${taskName}" crashed: ${message}; the worker was replaced`, {
      code: 'ERR_WORKER_CRASHED',
      retryable: false,
      cause: error,
    });
  }

  function onChunkError(chunk: Chunk, error: unknown): void {
    clearTimeout(chunk.watchdog);
    activeChunks.delete(chunk);
    const { jobs } = chunk;
    if (destroyed) {
      for (const job of jobs) settle(job, new AbortError('The offloader was destroyed before the task finished'));
      releaseSlot();
      return;
    }
    const runningIndex = Atomics.load(chunk.running, 0) - 1;
    const culprit = chunk.kill?.index ?? runningIndex;
    if (culprit < 0) {
      // The worker died before running anything: send everything again, a few times at most.
      for (const job of jobs) {
        if (++job.unstartedResends > MAX_UNSTARTED_RESENDS) settle(job, workerDeath(error, job));
      }
      requeueFront(jobs);
    } else {
      const fault = chunk.kill === undefined ? workerDeath(error, jobs[culprit]) : undefined;
      if (fault !== undefined) {
        workerFaults++;
        options.onChunkHealth?.(fault);
      }
      settle(jobs[culprit], chunk.kill?.error ?? fault);
      // Earlier attempts finished but their results died with the worker
      // (chunks hold only idempotent attempts before their last one); later ones never started.
      requeueFront(jobs.filter((_, index) => index !== culprit));
    }
    releaseSlot();
  }

  function abortJob(job: Job): void {
    const error = new AbortError(`Task "${job.envelope.task}" was aborted`, { cause: job.signal?.reason, taskName: job.envelope.task });
    const chunk = job.chunk;
    if (job.state === SENT && chunk !== undefined) {
      // Either the worker has not reached this attempt (it will skip it) or it
      // started it; if it is still running, its worker is stopped.
      const previous = Atomics.compareExchange(chunk.slots, job.index, 0, SLOT_CANCELLED);
      if (previous === SLOT_STARTED && Atomics.load(chunk.running, 0) === job.index + 1) kill(chunk, job.index, error);
    }
    settle(job, error);
  }

  function refusal(envelope: TaskEnvelope, signal: AbortSignal | undefined): OffloadError | undefined {
    if (closing) return new CapacityError('The local pool is closed: create a new offloader to run more tasks', { code: 'ERR_CLOSED', retryable: false });
    if (signal?.aborted) return new AbortError(`Task "${envelope.task}" was aborted before it was queued`, { cause: signal.reason });
    if (queued >= maxQueue) {
      return new CapacityError(
        `The local queue is full (local.maxQueue = ${maxQueue}): use map() for large batches, wait for tasks to settle, or raise local.maxQueue`,
        { code: 'ERR_QUEUE_FULL' },
      );
    }
    return undefined;
  }

  function submit(envelope: TaskEnvelope, invokeOptions: InvokeOptions, sink: AttemptSink): void {
    const { signal } = invokeOptions;
    const refused = refusal(envelope, signal);
    if (refused !== undefined) {
      queueMicrotask(() => sink.settled(refused, undefined));
      return;
    }
    const job: Job = {
      envelope,
      task: invokeOptions.task,
      chunkSize: invokeOptions.chunkSize,
      signal,
      sink,
      state: QUEUED,
      index: -1,
      unstartedResends: 0,
    };
    if (signal !== undefined) {
      job.onAbort = () => abortJob(job);
      signal.addEventListener('abort', job.onAbort, { once: true });
    }
    queue.push(job);
    countQueued(job, 1);
    schedulePump();
  }

  function invoke(envelope: TaskEnvelope, invokeOptions: InvokeOptions = {}): Promise<ResultEnvelope> {
    return new Promise<ResultEnvelope>((resolve, reject) => {
      submit(envelope, invokeOptions, {
        dispatched: () => invokeOptions.onDispatch?.(),
        settled: (error, result) => (error === undefined ? resolve(result as ResultEnvelope) : reject(error)),
      });
    });
  }

  function snapshot(): LocalSnapshot {
    // Attempts handed to a worker behind its running chunk still wait.
    let waitingInWorkers = 0;
    for (const chunk of activeChunks) {
      for (let index = Atomics.load(chunk.running, 0); index < chunk.jobs.length; index++) {
        if (chunk.jobs[index].state === SENT) waitingInWorkers++;
      }
    }
    // Tasks never measured count as one chunk's worth of work each.
    const predictedWaitMs = predictWaitMs(queuedByTask, (name) => durations.estimateMs(name, expectedByTask.get(name)), maxWorkers, TARGET_CHUNK_MS);
    return { queued: queued + waitingInWorkers, running: running - waitingInWorkers, workers: pool.threads.length, workerFaults, predictedWaitMs };
  }

  function whenIdle(): Promise<void> {
    if (busySlots === 0 && queued === 0) return Promise.resolve();
    return new Promise((resolve) => {
      onIdle = () => {
        onIdle = undefined;
        resolve();
      };
    });
  }

  return {
    name,
    kind: 'local',
    maxConcurrency: maxWorkers,
    durations,
    invoke,
    submit,
    snapshot,
    async close() {
      closing = true;
      await whenIdle();
      await pool.destroy();
    },
    async destroy() {
      closing = true;
      destroyed = true;
      const error = () => new AbortError('The offloader was destroyed before the task finished');
      for (let index = head; index < queue.length; index++) settle(queue[index], error());
      queue = [];
      head = 0;
      await pool.destroy();
      onIdle?.();
    },
  };
}
