/**
 * The simulated local pool: N workers, a FIFO queue of trace indexes, the
 * running tasks (running-local.ts) and a moving average of each task's
 * measured run times (weight 0.2, as the pool's estimator). Its predicted
 * wait is the live pool's: 0 while a worker is free and nothing is queued,
 * else `predictWaitMs` over the queued tasks and what is left of the running
 * ones, never-measured tasks counting as the pool's 10 ms.
 */
import { TARGET_CHUNK_MS } from '../../src/backends/local/chunk-sizing.js';
import { predictWaitMs } from '../../src/backends/local/predict-wait.js';
import { RunningLocal } from './running-local.js';

/** Weight of the newest run in a task's moving average (the local pool's). */
const SMOOTHING = 0.2;

/** The local pool of one simulated run. */
export class SimLocalPool {
  readonly #workers: number;
  #free: number;
  /** Indexes into the trace of the tasks waiting for a worker, FIFO from `#head`. */
  readonly #queue: number[] = [];
  #head = 0;
  readonly #queuedByTask = new Map<string, number>();
  readonly #estimates = new Map<string, number>();
  readonly #running = new RunningLocal();

  constructor(workers: number) {
    this.#workers = workers;
    this.#free = workers;
  }

  /** Tasks waiting for a worker. */
  get queueDepth(): number {
    return this.#queue.length - this.#head;
  }

  /** A worker is free and nothing waits: a task placed now starts at once. */
  get startsNow(): boolean {
    return this.#free > 0 && this.#queue.length === this.#head;
  }

  /** `task`'s moving average of measured run times, ms (undefined: never measured). */
  estimate = (task: string): number | undefined => this.#estimates.get(task);

  /** The wait a new task would be predicted at `now`, as the live pool predicts it, ms. */
  predictedWaitMs(now: number): number {
    const ahead = { workMs: this.#running.leftMs(now, (name) => this.estimate(name) ?? TARGET_CHUNK_MS), workerFree: this.#free > 0 };
    return predictWaitMs(this.#queuedByTask, this.estimate, this.#workers, TARGET_CHUNK_MS, ahead);
  }

  /** Trace index `index` (task `task`) waits for a worker. */
  enqueue(index: number, task: string): void {
    this.#queue.push(index);
    this.#queuedByTask.set(task, (this.#queuedByTask.get(task) ?? 0) + 1);
  }

  /** A free worker takes trace index `index` (task `task`) at `at`. */
  occupy(index: number, task: string, at: number): void {
    this.#free--;
    this.#running.start(index, task, at);
  }

  /** A run of `task` took `durationMs` on a worker: its moving average learns it. */
  measured(task: string, durationMs: number): void {
    const previous = this.#estimates.get(task);
    this.#estimates.set(task, previous === undefined ? durationMs : previous + SMOOTHING * (durationMs - previous));
  }

  /**
   * Trace index `index` left its worker (finished or cancelled); returns the
   * next queued index, taken off the queue for that worker to run, if any.
   */
  release(index: number, taskOf: (index: number) => string): number | undefined {
    this.#running.end(index);
    this.#free++;
    if (this.#head === this.#queue.length) return undefined;
    const next = this.#queue[this.#head++];
    const task = taskOf(next);
    this.#queuedByTask.set(task, (this.#queuedByTask.get(task) ?? 1) - 1);
    return next;
  }
}
