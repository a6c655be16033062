/**
 * What happens to a chunk's attempts when its worker dies: the fault is
 * traced to the attempt that caused it (the one running, the one spillway
 * stopped, or an earlier task that left timers or promises behind), that
 * attempt fails with the mapped `BackendError`, and the others run again
 * where that is safe (not yet started, or idempotent). Counts the faults.
 */
import type { BackendError, OffloadError } from '../../errors.js';
import { notRerunError, sortInnocents } from './innocents.js';
import type { Chunk, Job } from './job.js';
import type { JobQueue } from './job-queue.js';
import { faultOrigin, type LateFault, lateFaultError } from './late-fault.js';
import { workerDeathError } from './worker-death.js';

/** How often an attempt is sent again after its worker died before it even started, before giving up. */
const MAX_UNSTARTED_RESENDS = 3;

/** What {@link WorkerDeaths} works with (a part of the dispatcher's options). */
interface WorkerDeathsOptions {
  queue: JobQueue;
  workerMemoryMb?: number;
  onChunkHealth?: (fault: OffloadError | undefined) => void;
  onLateFault?: (fault: LateFault) => void;
}

/** Settles the attempts of chunks whose worker died. */
export class WorkerDeaths {
  readonly #options: WorkerDeathsOptions;
  readonly #queue: JobQueue;
  /** Worker crashes, exits and out-of-memory terminations seen so far. */
  workerFaults = 0;

  constructor(options: WorkerDeathsOptions) {
    this.#options = options;
    this.#queue = options.queue;
  }

  /** The worker of `chunk` died (or was stopped by spillway) with `error`: settles or re-queues each of its attempts. */
  settleDeadChunk(chunk: Chunk, error: unknown): void {
    const origin = chunk.kill === undefined ? faultOrigin(chunk) : undefined;
    if (origin !== undefined && 'taskId' in origin) {
      // A task that already settled left the fault behind: charge it, and run this chunk again.
      this.workerFaults++;
      this.reportLate(origin.taskName, origin.taskId, error);
      this.#resendInnocents(chunk, -1, error, `task "${origin.taskName}" (id ${origin.taskId}), which had already settled`, true);
      return;
    }
    const culprit = chunk.kill?.index ?? origin?.index ?? Atomics.load(chunk.running, 0) - 1;
    if (culprit < 0) this.#resendUnstarted(chunk.jobs, error);
    else this.#failCulprit(chunk, culprit, error);
  }

  /**
   * The worker died from a fault of `blamed`, not of the attempts of `chunk`
   * but `culprit`: those that may run again go to the queue's front (counted
   * against {@link MAX_UNSTARTED_RESENDS} when `counted`); started
   * non-idempotent ones fail.
   */
  #resendInnocents(chunk: Chunk, culprit: number, error: unknown, blamed: string, counted: boolean): void {
    const { again, kept } = sortInnocents(chunk, culprit);
    for (const { job, finished } of kept) this.#queue.settle(job, notRerunError(job, finished, blamed, this.#deathOf(error, job)));
    if (counted) this.#resendUnstarted(again, error);
    else this.#queue.requeueFront(again);
  }

  /** The worker died before running anything: send everything again, a few times at most. */
  #resendUnstarted(jobs: Job[], error: unknown): void {
    for (const job of jobs) {
      if (++job.unstartedResends > MAX_UNSTARTED_RESENDS) this.#queue.settle(job, this.#deathOf(error, job));
    }
    this.#queue.requeueFront(jobs);
  }

  /** The worker died or was stopped while running `jobs[culprit]`: that attempt fails, the others go again. */
  #failCulprit(chunk: Chunk, culprit: number, error: unknown): void {
    const { jobs } = chunk;
    if (chunk.kill?.requeue === true) {
      this.#queue.requeueFront(jobs);
      return;
    }
    const fault = chunk.kill === undefined ? this.#deathOf(error, jobs[culprit]) : undefined;
    if (fault !== undefined) {
      this.workerFaults++;
      this.#options.onChunkHealth?.(fault);
    }
    this.#queue.settle(jobs[culprit], chunk.kill?.error ?? fault);
    // Earlier attempts finished but their results died with the worker
    // (chunks hold only idempotent attempts before their last one); later ones never started.
    const { task, id } = jobs[culprit].envelope;
    this.#resendInnocents(chunk, culprit, error, `task "${task}" (id ${id})`, false);
  }

  /** Charges a fault to the task that left it behind (the `error` event). */
  reportLate(taskName: string, taskId: string, error: unknown): void {
    this.#options.onLateFault?.({ taskName, taskId, error: lateFaultError(error, taskName, taskId, this.#options.workerMemoryMb) });
  }

  #deathOf(error: unknown, job: Job | undefined): BackendError {
    return workerDeathError(error, job?.envelope.task ?? 'unknown', this.#options.workerMemoryMb);
  }
}
