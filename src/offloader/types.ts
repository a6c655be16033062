/**
 * The public shape of an offloader: where a task runs (`Placement`), the
 * per-call options of `run` and `map`, and the `Offloader` interface itself.
 */
import type { LocalSnapshot } from '../backends/local/index.js';
import type { OffloadError } from '../errors.js';
import type { AnyOffloadable, TaskInput, TaskOutput } from '../task.js';
import type { OffloaderEvents, TaskEventInfo } from './events.js';
import type { SpendSummary } from './spend-tracker.js';
import type { OffloaderStats } from './stats.js';

/**
 * Where a task runs: `auto` (the scheduler decides: local until the `burst`
 * thresholds say the pool is saturated, then a remote), `local`, `remote` (the first of
 * `remotes`), or a backend's name such as `lambda` or `gcf`.
 */
export type Placement = 'auto' | 'local' | 'remote' | (string & {});

/** Per-call options of {@link Offloader.run}. */
export interface RunOptions<Out> {
  /**
   * Where this call runs; overrides the task's own `placement`.
   * @default the task's placement, else 'auto'
   */
  placement?: Placement;
  /** Cancels the task: a queued task is dropped, a running local task's worker is stopped. Rejects with `AbortError`. */
  signal?: AbortSignal;
  /** Overrides the task's `timeoutMs` for this call (run time of one attempt, queue time not counted); 1 to `MAX_TIMEOUT_MS` (2^31-1) ms. */
  timeoutMs?: number;
  /** Called once when the task succeeds, before the promise resolves. */
  onSuccess?: (result: Out, info: TaskEventInfo) => void;
  /** Called once when the task fails for good, before the promise rejects. */
  onError?: (error: OffloadError, info: TaskEventInfo) => void;
}

/** Progress of a {@link Offloader.map} call. */
export interface MapProgress {
  /** Inputs settled so far (succeeded + failed). */
  done: number;
  /**
   * Inputs in the call: an array's length; for any other iterable, the
   * inputs pulled so far (final once the iterable is exhausted).
   */
  total: number;
  /** Inputs that succeeded so far. */
  succeeded: number;
  /** Inputs that failed so far. */
  failed: number;
}

/** Options of {@link Offloader.map}. */
export interface MapOptions<Out> {
  /** Where every input runs; see {@link RunOptions.placement}. */
  placement?: Placement;
  /** Called after every settled input. */
  onProgress?: (progress: MapProgress) => void;
  /**
   * Reject at the first failure and submit no further inputs (tasks already
   * submitted still settle). When false, every input runs and a failure
   * rejects with an `AggregateError` of all errors at the end, as p-map does.
   * @default true
   */
  stopOnError?: boolean;
  /**
   * Tasks sent to a worker per round trip (Python's `chunksize`).
   * @default automatic, from the task's measured run time
   */
  chunkSize?: number;
  /** Cancels the whole call. */
  signal?: AbortSignal;
  /** Overrides the task's `timeoutMs` for every input; 1 to `MAX_TIMEOUT_MS` (2^31-1) ms. */
  timeoutMs?: number;
  /** Called once per input that succeeds. */
  onSuccess?: (result: Out, info: TaskEventInfo & { index: number }) => void;
  /** Called once per input that fails. */
  onError?: (error: OffloadError, info: TaskEventInfo & { index: number }) => void;
}

/** Inputs of {@link Offloader.map}: any iterable or async iterable, pulled lazily. */
export type MapInputs<In> = Iterable<In> | AsyncIterable<In>;

/** Runs tasks; create one with {@link createOffloader}. */
export interface Offloader {
  /** Runs one task and resolves with its output, or rejects with an `OffloadError`. */
  run<T extends AnyOffloadable>(task: T, input: TaskInput<T>, options?: RunOptions<TaskOutput<T>>): Promise<TaskOutput<T>>;
  /**
   * Runs a task over many inputs and resolves with the outputs in input
   * order. Inputs (an iterable or an async iterable) are pulled lazily: at
   * most a window of them is in flight, and the next is pulled as one settles.
   */
  map<T extends AnyOffloadable>(task: T, inputs: MapInputs<TaskInput<T>>, options?: MapOptions<TaskOutput<T>>): Promise<TaskOutput<T>[]>;
  /** Subscribes to an event. */
  on<E extends keyof OffloaderEvents>(event: E, listener: (payload: OffloaderEvents[E]) => void): this;
  /** Subscribes to the next occurrence of an event. */
  once<E extends keyof OffloaderEvents>(event: E, listener: (payload: OffloaderEvents[E]) => void): this;
  /** Unsubscribes. */
  off<E extends keyof OffloaderEvents>(event: E, listener: (payload: OffloaderEvents[E]) => void): this;
  /** Counters and latency percentiles per backend, the live local pool, and the spend on remotes. */
  stats(): OffloaderStats & { local: LocalSnapshot; spend: SpendSummary };
  /**
   * Stops accepting tasks, waits for every submitted task to settle, then
   * stops the workers. With `timeoutMs`, past that deadline it destroys
   * instead: pending tasks reject with an `AbortError` naming the deadline,
   * and running local tasks get their `abortGraceMs` to stop.
   */
  close(options?: CloseOptions): Promise<void>;
  /** Cancels everything: each pending task rejects with `AbortError`; then stops the workers. */
  destroy(): Promise<void>;
}

/** Options of {@link Offloader.close}. */
export interface CloseOptions {
  /** How long to wait for submitted tasks to settle before cancelling the rest, 1 to `MAX_TIMEOUT_MS` (2^31-1) ms. @default undefined (wait for all) */
  timeoutMs?: number;
}

/** Receives a task's final outcome, exactly once. */
export type TaskCallback = (error: OffloadError | undefined, output: unknown) => void;
