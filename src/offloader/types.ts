/**
 * The public shape of an offloader: where a task runs (`Placement`), the
 * per-call options of `run`, `map` and `stream`, and the `Offloader`
 * interface itself.
 */
import type { LocalSnapshot } from '../backends/local/index.js';
import type { OffloadError } from '../errors.js';
import type { HedgeOptions } from '../hedge-options.js';
import type { AnyOffloadable, TaskInput, TaskOutput } from '../task.js';
import type { OffloaderEvents, TaskEventInfo } from './events.js';
import type { SpendSummary } from './spend-tracker.js';
import type { HedgeStats, OffloaderStats } from './stats.js';
import type { Timeline } from './timeline.js';

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
  /**
   * Move the input's binary buffers to the local worker instead of copying
   * them (see the task option `transfer`): the buffers of typed arrays,
   * `Buffer`s, `DataView`s and `ArrayBuffer`s that span a whole
   * `ArrayBuffer` are detached in the caller once the task is sent, and the
   * input cannot be sent again (a retry or failover fails with
   * `SerializationError`, a resend after a worker crash with `ValidationError`
   * `ERR_BAD_ENVELOPE`). Remote backends copy as usual.
   * @default the task's `transfer`, else false
   */
  transfer?: boolean;
  /**
   * Sends a local attempt to the worker that holds this key's warm cache
   * (see the task's `affinity`, which this overrides); an `affinityMiss`
   * event says when it went elsewhere. Remote attempts ignore it.
   */
  affinityKey?: string;
  /**
   * Backup attempts for a straggler of this call (an idempotent task only;
   * see {@link HedgeOptions}); `false` turns the task's own `hedge` off.
   * @default the task's `hedge`, else none
   */
  hedge?: HedgeOptions | false;
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

/** Options of {@link Offloader.map}; `In` is the task's input type. */
export interface MapOptions<Out, In = unknown> {
  /** Where every input runs; see {@link RunOptions.placement}. */
  placement?: Placement;
  /** Called after every settled input. */
  onProgress?: (progress: MapProgress) => void;
  /**
   * Reject at the first failure and submit no further inputs (tasks already
   * submitted still settle). When false, every input runs and a failure
   * rejects at the end with a {@link MapAggregateError}: `errors` holds
   * every failure (as p-map does) and `results` the outputs that succeeded,
   * at their input index, so no work is lost.
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
  /** Move every input's binary buffers to the local worker; see {@link RunOptions.transfer}. */
  transfer?: boolean;
  /**
   * The affinity key of each input (see {@link RunOptions.affinityKey}); it
   * overrides the task's `affinity`, which still applies where this returns
   * undefined. A throw or a value that is not a string fails that input
   * with a `ValidationError`.
   */
  affinityKey?: (input: In, index: number) => string | undefined;
  /** Backup attempts for stragglers, for every input; see {@link RunOptions.hedge}. */
  hedge?: HedgeOptions | false;
  /** Called once per input that succeeds. */
  onSuccess?: (result: Out, info: TaskEventInfo & { index: number }) => void;
  /** Called once per input that fails. */
  onError?: (error: OffloadError, info: TaskEventInfo & { index: number }) => void;
}

/** Inputs of {@link Offloader.map} and {@link Offloader.stream}: any iterable or async iterable, pulled lazily. */
export type MapInputs<In> = Iterable<In> | AsyncIterable<In>;

/**
 * What `map` rejects with when `stopOnError` is false and some inputs
 * failed: an `AggregateError` whose `errors` are the failures (in the order
 * they settled) and whose `results` are the outputs in input order, with a
 * hole (`index in results` is false) where an input failed.
 */
export interface MapAggregateError<Out = unknown> extends AggregateError {
  /** Outputs in input order, one slot per input; holes where the input failed. */
  results: Out[];
}

/**
 * Options of {@link Offloader.stream}: those of `map` without `stopOnError`
 * (a stream yields each failure as an item and goes on).
 */
export type StreamOptions<Out, In = unknown> = Omit<MapOptions<Out, In>, 'stopOnError'>;

/**
 * One settled input of {@link Offloader.stream}: its position in the inputs
 * (`index`), and either its output (`ok: true`, `value`) or its error
 * (`ok: false`, `error`), with where and how it ran (`info`).
 */
export type StreamResult<Out> =
  | { index: number; ok: true; value: Out; info: TaskEventInfo }
  | { index: number; ok: false; error: OffloadError; info: TaskEventInfo };

/** Runs tasks; create one with {@link createOffloader}. */
export interface Offloader {
  /** Runs one task and resolves with its output, or rejects with an `OffloadError`. */
  run<T extends AnyOffloadable>(task: T, input: TaskInput<T>, options?: RunOptions<TaskOutput<T>>): Promise<TaskOutput<T>>;
  /**
   * Runs a task over many inputs and resolves with the outputs in input
   * order. Inputs (an iterable or an async iterable) are pulled lazily: at
   * most a window of them is in flight, and the next is pulled as one settles.
   */
  map<T extends AnyOffloadable>(task: T, inputs: MapInputs<TaskInput<T>>, options?: MapOptions<TaskOutput<T>, TaskInput<T>>): Promise<TaskOutput<T>[]>;
  /**
   * Runs a task over many inputs and yields each outcome as it settles, in
   * completion order: `{ index, ok: true, value, info }` or
   * `{ index, ok: false, error, info }`. A failure is an item, never a
   * throw. Inputs are pulled lazily, as by `map` (same window, `placement`,
   * `signal`, `chunkSize`, `timeoutMs`, `onProgress`), and only while fewer
   * than a window of outcomes wait to be consumed, so a slow consumer holds
   * memory flat. Nothing is pulled before the first `next()`.
   *
   * Leaving the loop early (`break`, `return`, a throw: the iterator's
   * `return()`) pulls nothing more and fails every submitted task that no
   * worker has started (queued locally, or sent to a worker that has not
   * reached it) with `AbortError`; tasks already running (and attempts on a
   * remote) run to the end. Either way their outcomes are dropped: each
   * still settles exactly once in events and stats, and `close()` waits for
   * them. `return()` itself does not wait.
   *
   * Aborting `signal` aborts every submitted task (as for `map`) and the
   * pending `next()` rejects with `AbortError`; outcomes not yet consumed
   * are dropped. If the inputs' iterator throws, nothing more is pulled,
   * the tasks already submitted are yielded as they settle, then `next()`
   * rejects with that error.
   *
   * @example
   * for await (const item of offloader.stream(digest, inputs)) {
   *   if (item.ok) save(item.index, item.value);
   *   else console.error(item.index, item.error.message);
   * }
   */
  stream<T extends AnyOffloadable>(
    task: T,
    inputs: MapInputs<TaskInput<T>>,
    options?: StreamOptions<TaskOutput<T>, TaskInput<T>>,
  ): AsyncIterableIterator<StreamResult<TaskOutput<T>>>;
  /** Subscribes to an event. */
  on<E extends keyof OffloaderEvents>(event: E, listener: (payload: OffloaderEvents[E]) => void): this;
  /** Subscribes to the next occurrence of an event. */
  once<E extends keyof OffloaderEvents>(event: E, listener: (payload: OffloaderEvents[E]) => void): this;
  /** Unsubscribes. */
  off<E extends keyof OffloaderEvents>(event: E, listener: (payload: OffloaderEvents[E]) => void): this;
  /** Counters and latency percentiles per backend, the live local pool, and the spend on remotes. */
  stats(): OffloaderStats & { local: LocalSnapshot; spend: SpendSummary; hedges: HedgeStats };
  /**
   * The recorded timeline: every attempt (where it ran, which worker, when,
   * its outcome and estimated cost), the local queue over time, spills,
   * breaker changes and retries. Bounded by `timeline.maxAttempts` (default
   * 100,000; the oldest are dropped). Plain JSON: write it to a file and run
   * `spillway report <file> --out report.html`, or pass it to `writeReport`
   * of `spillway/dev`.
   */
  timeline(): Timeline;
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

/** Receives a task's final outcome, exactly once, with the run that produced it (its `info()` says where and how it ran). */
export type TaskCallback = (error: OffloadError | undefined, output: unknown, run: { info(): TaskEventInfo }) => void;
