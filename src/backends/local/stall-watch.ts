/**
 * Stall detection of the local pool: an attempt without `timeoutMs` that
 * runs past its `stallAfterMs` (a lost promise, a busy loop) is reported once
 * and, with `onStall: 'restart'`, its worker is terminated. It reads the
 * progress buffer each chunk already shares with its worker (which attempt
 * runs, since when, on which thread), so watching costs the hot path nothing:
 * one timer scans the chunks out at the workers.
 */
import { BackendError } from '../../errors.js';
import type { DurationEstimator } from './duration-estimator.js';
import { type Chunk, type Job, SETTLED } from './job.js';
import { stopWorker } from './watchdog.js';
import { PROGRESS } from './wire-format.js';

/** Payload of the offloader's `stall` event: an attempt (local or remote) ran past its `stallAfterMs`. */
export interface StallInfo {
  /** The task's `offloadable` name. */
  taskName: string;
  /** Task id, stable across retries. */
  taskId: string;
  /** Backend that runs the attempt: `local`, or the remote's name. */
  backend: string;
  /** `threadId` of the local worker running it; absent for a remote attempt. */
  worker?: number;
  /** How long the attempt had run when the stall was seen, ms. */
  runningMs: number;
  /** The limit it passed, ms. */
  stallAfterMs: number;
  /** `'report'`: the attempt keeps running (always, on a remote); `'restart'`: its worker was terminated. */
  action: 'report' | 'restart';
  /** True when the attempt is sent again (`'restart'` of an idempotent task); false when it keeps running or fails with `ERR_WORKER_STALLED`. */
  retried: boolean;
}

/** What the watch is started with. */
export interface StallWatchOptions {
  backend: string;
  /** `local.stallAfterMs`. */
  stallAfterMs?: number;
  /** `local.onStall`. */
  onStall: 'report' | 'restart';
  durations: DurationEstimator;
  /** The chunks out at the workers now. */
  chunks: () => Iterable<Chunk>;
  /** Hears each stall. */
  listener?: (stall: StallInfo) => void;
}

/** The default limit is this many times a task's measured p99 run time... */
const P99_FACTOR = 10;
/** ...and at least this long, ms. */
const MIN_DEFAULT_STALL_MS = 30_000;

/** The default stall limit of a task whose p99 run time is `p99Ms` (undefined: never measured): 10 × it, at least 30 s. */
export function defaultStallAfterMs(p99Ms: number | undefined): number {
  return Math.max(MIN_DEFAULT_STALL_MS, P99_FACTOR * (p99Ms ?? 0));
}

/** How often a stalled idempotent attempt is restarted before it fails. */
const MAX_RESTARTS = 2;
/** Longest and shortest pause between two scans, ms. */
const MAX_SCAN_MS = 1_000;
const MIN_SCAN_MS = 10;

/** Scans the running attempts for stalls until {@link stop}. */
export class StallWatch {
  readonly #options: StallWatchOptions;
  /** Per chunk: the index of the attempt already reported. */
  readonly #reported = new WeakMap<Chunk, number>();
  readonly #restarts = new WeakMap<Job, number>();
  #timer: NodeJS.Timeout | undefined;
  #stalls = 0;

  constructor(options: StallWatchOptions) {
    this.#options = options;
    this.#schedule(MAX_SCAN_MS);
  }

  /** Stalls seen so far. */
  get stalls(): number {
    return this.#stalls;
  }

  /** Stops scanning. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => this.#scan(), Math.min(MAX_SCAN_MS, Math.max(MIN_SCAN_MS, delayMs)));
    this.#timer.unref();
  }

  /** Reports every attempt past its limit and schedules the next scan for the soonest one to come. */
  #scan(): void {
    const now = Date.now();
    let nextMs = MAX_SCAN_MS;
    for (const chunk of this.#options.chunks()) {
      const index = Atomics.load(chunk.running, 0) - 1;
      if (index < 0 || chunk.kill !== undefined || this.#reported.get(chunk) === index) continue;
      const job = chunk.jobs[index];
      const limitMs = job.state === SETTLED ? undefined : this.#limitMs(job);
      if (limitMs === undefined) continue;
      const runningMs = now - chunk.startedAt[0];
      if (runningMs < limitMs) nextMs = Math.min(nextMs, limitMs - runningMs);
      else this.#stalled(chunk, index, job, runningMs, limitMs);
    }
    if (this.#timer !== undefined) this.#schedule(nextMs);
  }

  /** The attempt's limit: its task's, else the pool's, else 10 × the task's p99, at least 30 s; none with `timeoutMs`. */
  #limitMs(job: Job): number | undefined {
    if (job.envelope.timeoutMs !== undefined) return undefined;
    const explicit = job.task?.stallAfterMs ?? this.#options.stallAfterMs;
    if (explicit !== undefined) return explicit;
    return defaultStallAfterMs(this.#options.durations.p99Ms(job.envelope.task) ?? job.task?.expectedDurationMs);
  }

  #stalled(chunk: Chunk, index: number, job: Job, runningMs: number, limitMs: number): void {
    this.#reported.set(chunk, index);
    this.#stalls++;
    const action = job.task?.onStall ?? this.#options.onStall;
    const restarts = this.#restarts.get(job) ?? 0;
    const retried = action === 'restart' && job.task?.idempotent === true && restarts < MAX_RESTARTS;
    const taskName = job.envelope.task;
    if (action === 'restart') {
      if (retried) this.#restarts.set(job, restarts + 1);
      const message = `Task "${taskName}" ran ${Math.round(runningMs)} ms, past its stallAfterMs of ${limitMs} ms; its worker was terminated (onStall: 'restart')${retried ? '' : `: set a timeoutMs or fix the task; only idempotent tasks are restarted, ${MAX_RESTARTS} times at most`}`;
      stopWorker(chunk, index, new BackendError(message, { code: 'ERR_WORKER_STALLED', retryable: false, taskName }), retried);
    }
    const worker = Atomics.load(new Int32Array(chunk.running.buffer, PROGRESS.threadIdByte, 1), 0);
    const stall: StallInfo = { taskName, taskId: job.envelope.id, backend: this.#options.backend, worker, runningMs, stallAfterMs: limitMs, action, retried };
    this.#options.listener?.(stall);
  }
}
