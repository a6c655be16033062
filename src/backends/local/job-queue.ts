/**
 * The local pool's book of attempts: the FIFO of queued jobs, the counts of
 * queued and running ones (per task name too, for the predicted wait), and
 * the one place a job changes state and settles.
 */
import type { ResultEnvelope } from '../../contract/envelope.js';
import type { OffloadError } from '../../errors.js';
import { stopWaiting } from '../abort-fanout.js';
import type { AttemptSink } from './attempt-sink.js';
import type { DurationEstimator } from './duration-estimator.js';
import { type Chunk, type Job, QUEUED, SENT, SETTLED } from './job.js';
import type { Lane } from './lane.js';
import { predictWaitMs, type WorkAhead } from './predict-wait.js';

/** The sink of a settled job: the job may stay referenced a while (its chunk, the last chunk a worker answered), its caller's run and result need not. */
const SETTLED_SINK: AttemptSink = { dispatched() {}, settled() {} };

/** Consumed entries kept at the queue's front before it is compacted. */
const COMPACT_AFTER = 4096;

/** FIFO of the pool's jobs, with their counts. */
export class JobQueue {
  /** Entries before `#head` are consumed and cleared (`undefined`), so a settled job (its input, its caller's promise, its result) is not kept alive until compaction. */
  #jobs: (Job | undefined)[] = [];
  #head = 0;
  #queued = 0;
  #running = 0;
  /** Queued attempts per task name. */
  readonly #queuedByTask = new Map<string, number>();
  /** Each queued task name's declared `expectedDurationMs`, used until the pool has measured it. */
  readonly #expectedByTask = new Map<string, number>();

  /** Attempts waiting in the queue. */
  get queued(): number {
    return this.#queued;
  }

  /** Attempts sent to a worker and not settled. */
  get running(): number {
    return this.#running;
  }

  /** Appends a new job (in state `QUEUED`). */
  push(job: Job): void {
    this.#jobs.push(job);
    this.#count(job, 1);
  }

  /** Appends a new job (in state `QUEUED`) to a worker's `lane` instead of the shared FIFO; it counts as queued all the same. */
  pushTo(lane: Lane, job: Job): void {
    lane.push(job);
    this.#count(job, 1);
  }

  /** Puts queued jobs taken from a lane at the shared FIFO's front, in order (their counts do not change). */
  moveToFront(jobs: readonly Job[]): void {
    this.#jobs = [...jobs, ...this.#jobs.slice(this.#head)];
    this.#head = 0;
  }

  /** The oldest queued job, left in the queue. */
  peek(): Job | undefined {
    const jobs = this.#jobs;
    let head = this.#head;
    while (head < jobs.length && (jobs[head] as Job).state !== QUEUED) jobs[head++] = undefined;
    this.#head = head;
    return jobs[head];
  }

  /** Takes the oldest queued job off the queue; it stays `QUEUED` until {@link markSent}. */
  dequeue(): Job | undefined {
    const job = this.peek();
    if (job === undefined) return undefined;
    this.#jobs[this.#head++] = undefined;
    if (this.#head > COMPACT_AFTER && this.#head * 2 > this.#jobs.length) {
      this.#jobs = this.#jobs.slice(this.#head);
      this.#head = 0;
    }
    return job;
  }

  /** Records that `job` travels in `chunk` at position `index`. */
  markSent(job: Job, chunk: Chunk, index: number): void {
    job.state = SENT;
    job.chunk = chunk;
    job.index = index;
    this.#count(job, -1);
    this.#running++;
  }

  /** Puts the still-sent jobs among `jobs` back at the queue's front, in order. */
  requeueFront(jobs: readonly Job[]): void {
    const live = jobs.filter((job) => job.state === SENT);
    if (live.length === 0) return;
    for (const job of live) {
      job.state = QUEUED;
      job.chunk = undefined;
      this.#running--;
      this.#count(job, 1);
    }
    this.#jobs = [...live, ...this.#jobs.slice(this.#head)];
    this.#head = 0;
  }

  /** Settles `job` once (later calls do nothing): it leaves the counts and its sink hears the outcome (from worker `workerId`, when one answered). */
  settle(job: Job, error: OffloadError | undefined, result?: ResultEnvelope, workerId?: number): void {
    if (job.state === SETTLED) return;
    if (job.state === QUEUED) this.#count(job, -1);
    else this.#running--;
    job.state = SETTLED;
    if (job.abortSlot !== undefined && job.signal !== undefined) stopWaiting(job.signal, job.abortSlot);
    const { sink } = job;
    job.sink = SETTLED_SINK;
    sink.settled(error, result, workerId);
  }

  /** Settles every queued job with a fresh `error()` and empties the queue. */
  drain(error: () => OffloadError): void {
    for (let index = this.#head; index < this.#jobs.length; index++) this.settle(this.#jobs[index] as Job, error());
    this.#jobs = [];
    this.#head = 0;
  }

  /**
   * The predicted wait of a new task over `workers` (see {@link predictWaitMs}),
   * with what the workers already hold (`ahead`); tasks never measured count
   * as `unknownMs` each.
   */
  predictWaitMs(durations: DurationEstimator, workers: number, unknownMs: number, ahead?: WorkAhead): number {
    return predictWaitMs(this.#queuedByTask, (name) => this.estimateMs(durations, name), workers, unknownMs, ahead);
  }

  /** `taskName`'s estimated run time: measured, else its declared `expectedDurationMs` (undefined: neither). */
  estimateMs(durations: DurationEstimator, taskName: string): number | undefined {
    return durations.estimateMs(taskName, this.#expectedByTask.get(taskName));
  }

  #count(job: Job, delta: 1 | -1): void {
    this.#queued += delta;
    const name = job.envelope.task;
    this.#queuedByTask.set(name, (this.#queuedByTask.get(name) ?? 0) + delta);
    if (delta === 1 && job.task?.expectedDurationMs !== undefined && !this.#expectedByTask.has(name))
      this.#expectedByTask.set(name, job.task.expectedDurationMs);
  }
}
