/**
 * The process-isolated local pool (`local.isolation: 'process'`): child
 * processes (`process-worker.ts`) behind the same surface as the piscina
 * pool of threads ({@link ChunkPool}), so the chunk dispatcher, the queue,
 * the watchdog, the stall watch and affinity work on it unchanged.
 *
 * Shared memory does not cross processes, so this pool keeps each chunk's
 * progress buffer for its process, as a worker thread writes it itself. A
 * chunk carries as many attempts as on threads (`chunk-sizing.ts`). The
 * process writes a line to the pool as each attempt starts (before its code
 * runs, see `process-host.ts`), so the pool knows which attempt runs and
 * since when (timeouts, stalls, crashes); the caller's cancellations and stop
 * requests go to the process as `stop` messages (`Chunk.forward`). An attempt
 * the process has not started can be cancelled: the process skips it. When a
 * cancellation and a start cross, the process had started it first, so it is
 * stopped like a running attempt. A non-idempotent attempt travels alone and
 * counts as started when it leaves, so that never happens to it. A dead
 * process's fault origin (its exit note) is copied in before its chunk fails.
 */

import { EventEmitter } from 'node:events';
import { Piscina } from 'piscina';
import { AbortError } from '../../errors.js';
import type { ChunkPool } from './chunk-pool.js';
import { allowedCpus } from './cpu-affinity.js';
import type { Chunk } from './job.js';
import { copyNote, type ExitNote, ownBuffers } from './process-messages.js';
import { ProcessWorker } from './process-worker.js';
import { stopStartedAfterCancel } from './watchdog.js';
import { type ChunkMessage, type ChunkReply, CULPRIT_BYTES, PROGRESS, packResults, SLOT_CANCELLED, SLOT_DONE, SLOT_STARTED } from './wire-format.js';
import { createWorkerPool, type WorkerPoolOptions } from './worker-pool.js';

/** Where the local pool runs its tasks, and the options only processes have. */
export interface IsolationOptions {
  /** See `LocalOptions.isolation`. @default 'thread' */
  isolation?: 'thread' | 'process';
  /** See `LocalOptions.maxRssMb` (process isolation only). */
  maxRssMb?: number;
  /** See `LocalOptions.cpuPinning` (process isolation only). @default false */
  cpuPinning?: boolean;
}

type ProcessPoolOptions = WorkerPoolOptions &
  IsolationOptions & {
    /** Grace period of tasks without their own `abortGraceMs`, ms (see `LocalBackendOptions.abortGraceMs`). */
    abortGraceMs: number;
  };

/** Starts the pool of `options.isolation`: piscina's worker threads, or a {@link ProcessPool}. */
export function createChunkPool(options: ProcessPoolOptions): ChunkPool {
  return options.isolation === 'process' ? new ProcessPool(options) : createWorkerPool(options);
}

/** A chunk waiting for, or out at, a process. */
interface Pending {
  seq: number;
  message: ChunkMessage;
  chunk: Chunk | undefined;
  size: number;
  /** Views on the chunk's progress buffer, which this pool keeps for its process. */
  running: Int32Array;
  startedAt: Float64Array;
  slots: Int32Array;
  /** The process it left for (undefined while it waits). */
  worker: ProcessWorker | undefined;
  resolve: (reply: ChunkReply) => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort?: () => void;
  /** Buffers the caller moved (`transfer: true`): detached once the chunk's bytes were copied to the process, as a thread's move detaches them. */
  transfer: ArrayBuffer[] | undefined;
}

/** The worker entry: `process-host-source.mjs` when spillway runs from its TypeScript sources, else `local-process.js` in `dist/`. */
function hostUrl(): URL {
  const here = import.meta.url;
  return new URL(here.endsWith('.ts') ? './process-host-source.mjs' : './local-process.js', here);
}

/** Child processes that run chunks one at a time, with piscina's `run`, `threads`, `destroy` and worker events. */
class ProcessPool extends EventEmitter implements ChunkPool {
  readonly #options: ProcessPoolOptions;
  readonly #workers = new Set<ProcessWorker>();
  readonly #running = new Map<ProcessWorker, Pending>();
  readonly #queue: Pending[] = [];
  #seq = 0;
  #destroyed = false;
  /** The CPUs this process may run on, read at the first pinned spawn (`cpuPinning`). */
  #cpus: number[] | undefined;
  readonly #idleTimers = new Map<ProcessWorker, NodeJS.Timeout>();
  /** The progress buffer of the chunk each process answered last: an idle process's fault origin goes there, where the dispatcher looks (`idleDeathCulprit`). */
  readonly #lastProgress = new Map<number, { progress: SharedArrayBuffer; size: number }>();

  constructor(options: ProcessPoolOptions) {
    super();
    this.#options = options;
    for (let index = 0; index < options.minWorkers; index++) this.#spawn();
  }

  /** The live processes (`threadId` is the process id). */
  get threads(): ProcessWorker[] {
    return [...this.#workers].filter((worker) => !worker.terminating);
  }

  run(message: ChunkMessage, options: { signal?: AbortSignal; transferList?: ArrayBuffer[] } = {}): Promise<ChunkReply> {
    if (this.#destroyed) return Promise.reject(new AbortError('The process pool was destroyed'));
    return new Promise<ChunkReply>((resolve, reject) => {
      const chunk = message[Piscina.queueOptionsSymbol] as Chunk | undefined;
      const { progress } = message;
      const size = (progress.byteLength - CULPRIT_BYTES - PROGRESS.slotsByte) / 4;
      const pending: Pending = {
        seq: ++this.#seq,
        message,
        chunk,
        size,
        running: new Int32Array(progress, 0, 1),
        startedAt: new Float64Array(progress, PROGRESS.startedAtByte, 1),
        slots: new Int32Array(progress, PROGRESS.slotsByte, size),
        worker: undefined,
        resolve,
        reject,
        signal: options.signal,
        transfer: options.transferList,
      };
      // The caller's cancellations and stop requests go to the process as messages.
      if (chunk !== undefined)
        chunk.forward = (index, state) => pending.worker?.ready === true && pending.worker.send({ t: 'stop', seq: pending.seq, index, state });
      if (options.signal !== undefined) {
        pending.onAbort = () => this.#abort(pending);
        options.signal.addEventListener('abort', pending.onAbort, { once: true });
      }
      this.#queue.push(pending);
      this.#drain();
    });
  }

  async destroy(): Promise<void> {
    this.#destroyed = true;
    for (const pending of this.#queue.splice(0)) pending.reject(new AbortError('The process pool was destroyed'));
    for (const timer of this.#idleTimers.values()) clearTimeout(timer);
    await Promise.all([...this.#workers].map((worker) => worker.terminate(new AbortError('The process pool was destroyed'))));
  }

  /** Sends queued chunks to free processes (through the balancer, as piscina does), starting processes up to `maxWorkers`. */
  #drain(): void {
    while (this.#queue.length > 0) {
      const free = this.threads.filter((worker) => !this.#running.has(worker));
      const views = free.map((worker) => ({ id: worker.threadId, currentUsage: 0, isRunningAbortableTask: false, terminating: false }));
      const pending = this.#queue[0];
      const task = { [Piscina.queueOptionsSymbol]: pending.chunk ?? null, isAbortable: true };
      const chosen = views.length === 0 ? null : this.#options.loadBalancer?.(task as never, views as never);
      const worker = chosen == null ? undefined : free.find((candidate) => candidate.threadId === chosen.id);
      if (worker === undefined) {
        if (this.#workers.size < this.#options.maxWorkers) this.#spawn();
        return;
      }
      this.#queue.shift();
      this.#running.set(worker, pending);
      worker.claim();
      clearTimeout(this.#idleTimers.get(worker));
      if (worker.ready) this.#send(worker, pending);
    }
  }

  /**
   * The chunk leaves for `worker` with the list of its attempts cancelled
   * meanwhile; each of its attempts counts as started when the process says
   * so ({@link #started}), except a non-idempotent one (which travels alone):
   * it counts as started from now, so that a cancellation never crosses its start.
   */
  #send(worker: ProcessWorker, pending: Pending): void {
    const { slots, size, message } = pending;
    const skip: number[] = [];
    if (size === 1 && pending.chunk?.jobs[0]?.task?.idempotent === false) Atomics.compareExchange(slots, 0, 0, SLOT_STARTED);
    for (let index = 0; index < size; index++) if (Atomics.load(slots, index) === SLOT_CANCELLED) skip.push(index);
    if (size > 0 && skip.length === size) {
      // All cancelled before it left: answered here as a worker answers skipped attempts.
      this.#settle(worker, pending, { threadId: worker.threadId, results: packResults(new Array(size).fill(null)), retire: false });
      return;
    }
    pending.worker = worker;
    Atomics.store(new Int32Array(message.progress, PROGRESS.threadIdByte, 1), 0, worker.threadId);
    if (Atomics.load(slots, 0) === SLOT_STARTED) {
      pending.startedAt[0] = Date.now();
      Atomics.store(pending.running, 0, 1);
    }
    const { envelopes, binary } = message;
    worker.send({ t: 'run', seq: pending.seq, envelopes, size, ...(binary === undefined ? {} : { binary }), ...(skip.length === 0 ? {} : { skip }) });
    if (pending.transfer !== undefined && pending.transfer.length > 0) structuredClone(null, { transfer: pending.transfer });
  }

  /**
   * The process started attempt `index` of chunk `seq` at `startedAt`, and
   * finished the one before. If the caller cancelled it before that reached
   * the process, the process stops it as an aborted running attempt, and so
   * does the pool ({@link stopStartedAfterCancel}).
   */
  #started(worker: ProcessWorker, seq: number, index: number, startedAt: number): void {
    const pending = this.#running.get(worker);
    if (pending?.seq !== seq || index >= pending.size) return;
    const { slots, running } = pending;
    const previous = Atomics.load(running, 0) - 1;
    if (previous >= 0 && previous !== index && Atomics.load(slots, previous) >= SLOT_STARTED) Atomics.store(slots, previous, SLOT_DONE);
    pending.startedAt[0] = startedAt;
    Atomics.store(running, 0, index + 1);
    const chunk = pending.chunk;
    if (Atomics.compareExchange(slots, index, 0, SLOT_STARTED) !== SLOT_CANCELLED || chunk === undefined) return;
    stopStartedAfterCancel(chunk, index, chunk.jobs[index].task?.abortGraceMs ?? this.#options.abortGraceMs);
  }

  #settle(worker: ProcessWorker, pending: Pending, reply: ChunkReply): void {
    this.#running.delete(worker);
    pending.worker = undefined;
    worker.idle();
    this.#lastProgress.set(worker.threadId, { progress: pending.message.progress, size: pending.size });
    if (pending.onAbort !== undefined) pending.signal?.removeEventListener('abort', pending.onAbort);
    const { slots } = pending;
    for (let index = 0; index < pending.size; index++) if (Atomics.load(slots, index) >= SLOT_STARTED) Atomics.store(slots, index, SLOT_DONE);
    pending.resolve(reply);
    this.#startIdleTimer(worker);
    this.#drain();
  }

  /** The chunk's signal aborted (spillway stops its worker): the process is ended, as piscina terminates a thread. */
  #abort(pending: Pending): void {
    const index = this.#queue.indexOf(pending);
    const reason = pending.signal?.reason ?? new AbortError('The chunk was aborted');
    if (index >= 0) {
      this.#queue.splice(index, 1);
      pending.reject(reason);
      return;
    }
    for (const [worker, running] of this.#running) if (running === pending) void worker.terminate(reason);
  }

  #spawn(): void {
    const { maxRssMb, cpuPinning, tasksUrl, maxTasksPerWorker, workerMemoryMb } = this.#options;
    let cpu: number | undefined;
    if (cpuPinning === true) {
      this.#cpus ??= allowedCpus();
      cpu = this.#cpus[this.#workers.size % this.#cpus.length];
    }
    const worker = new ProcessWorker(
      { hostUrl: hostUrl(), tasksUrl, maxTasksPerWorker, workerMemoryMb, maxRssMb, cpu },
      {
        ready: (ready) => {
          const pending = this.#running.get(ready);
          if (pending !== undefined) this.#send(ready, pending);
          else this.#startIdleTimer(ready);
          this.#drain();
        },
        started: (from, seq, index, startedAt) => this.#started(from, seq, index, startedAt),
        reply: (from, reply) => {
          const pending = this.#running.get(from);
          if (reply.binary !== undefined) reply.binary = ownBuffers(reply.binary);
          if (pending !== undefined) this.#settle(from, pending, reply);
        },
        died: (dead, error, note) => this.#died(dead, error, note),
      },
    );
    this.#workers.add(worker);
    this.emit('workerCreate', { id: worker.threadId });
  }

  #died(worker: ProcessWorker, error: Error | undefined, note: ExitNote | undefined): void {
    this.#workers.delete(worker);
    clearTimeout(this.#idleTimers.get(worker));
    this.#idleTimers.delete(worker);
    const last = this.#lastProgress.get(worker.threadId);
    this.#lastProgress.delete(worker.threadId);
    this.emit('workerDestroy', { id: worker.threadId });
    const pending = this.#running.get(worker);
    this.#running.delete(worker);
    if (pending !== undefined) {
      pending.worker = undefined;
      if (note !== undefined) copyNote(pending.message.progress, pending.size, note);
      pending.reject(error ?? new AbortError('The worker process was stopped'));
    } else if (error !== undefined && !this.#destroyed) {
      if (note !== undefined && last !== undefined) copyNote(last.progress, last.size, note);
      this.emit('error', error);
    }
    if (this.#destroyed) return;
    // A process that never started (threadId -1) is not replaced for minWorkers: only queued chunks start another.
    if (this.#workers.size < this.#options.minWorkers && worker.threadId > 0) this.#spawn();
    this.#drain();
  }

  /** Ends a process idle for `idleTimeoutMs` while more than `minWorkers` live. */
  #startIdleTimer(worker: ProcessWorker): void {
    clearTimeout(this.#idleTimers.get(worker));
    const timer = setTimeout(() => {
      if (!this.#running.has(worker) && this.threads.length > this.#options.minWorkers) void worker.terminate();
    }, this.#options.idleTimeoutMs);
    timer.unref();
    this.#idleTimers.set(worker, timer);
  }
}
