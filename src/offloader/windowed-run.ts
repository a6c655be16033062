/**
 * What `map` and `stream` share: one lazy puller over a sync or async
 * iterable of inputs that starts a task per input while the window has room,
 * counts outcomes, reports progress, and tells its subclass about each
 * outcome, a failing source and the end.
 */
import { setMaxListeners } from 'node:events';
import { type OffloadError, ValidationError } from '../errors.js';
import { callSafely } from './call-safely.js';
import type { TaskEventInfo } from './events.js';
import type { TaskRunOptions } from './task-run.js';
import type { MapInputs, MapOptions, RunOptions, TaskCallback } from './types.js';

/** A started task that can still be failed before a worker starts it. */
export interface StartedTask {
  /** Fails the task with `error` if no worker has started it; true if so. */
  cancelUnstarted(error: OffloadError): boolean;
}

/**
 * Starts one task for `input`; `finish` hears its outcome exactly once, never
 * synchronously. Returns the task, or undefined when it was refused.
 */
export type StartTask = (input: unknown, options: TaskRunOptions, chunkSize: number | undefined, finish: TaskCallback) => StartedTask | undefined;

/** Throws a `ValidationError` unless `inputs` can be iterated, synchronously or not. */
export function assertIterable(inputs: unknown): asserts inputs is MapInputs<unknown> {
  if (typeof inputs === 'string') return;
  if (typeof inputs === 'object' && inputs !== null) {
    const candidate = inputs as Partial<Iterable<unknown> & AsyncIterable<unknown>>;
    if (typeof candidate[Symbol.iterator] === 'function' || typeof candidate[Symbol.asyncIterator] === 'function') return;
  }
  const got = inputs === null ? 'null' : typeof inputs;
  throw new ValidationError(`Expected \`inputs\` to be an iterable or an async iterable, got ${got}`, { path: 'inputs' });
}

/** One `map` or `stream` call: its input iterator, its window and its counts. */
export abstract class WindowedRun {
  protected readonly options: MapOptions<unknown>;
  protected readonly window: number;
  readonly #start: StartTask;
  readonly #sync: Iterator<unknown> | undefined;
  readonly #async: AsyncIterator<unknown> | undefined;
  readonly #shared: RunOptions<unknown>;
  /** Inputs in the call when known up front (an array), else -1. */
  readonly #knownTotal: number;
  /** Tasks started and not settled. */
  protected active = 0;
  #pulled = 0;
  #succeeded = 0;
  #failed = 0;
  #exhausted = false;
  #pulling = false;
  #stopped = false;
  #ended = false;
  #unlinkSignal: (() => void) | undefined;

  constructor(start: StartTask, inputs: MapInputs<unknown>, options: MapOptions<unknown>, window: number) {
    this.#start = start;
    this.options = options;
    this.window = window;
    this.#shared = {
      signal: this.#linkSignal(options.signal),
      timeoutMs: options.timeoutMs,
      placement: options.placement,
      transfer: options.transfer,
      hedge: options.hedge,
    };
    this.#knownTotal = Array.isArray(inputs) ? inputs.length : -1;
    if (typeof (inputs as Iterable<unknown>)[Symbol.iterator] === 'function') this.#sync = (inputs as Iterable<unknown>)[Symbol.iterator]();
    else this.#async = (inputs as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  }

  /** A settled input: its index in the inputs, what {@link started} returned for it, and its error or output. */
  protected abstract settled(index: number, token: number, error: OffloadError | undefined, output: unknown, run: { info(): TaskEventInfo }): void;
  /** The inputs' iterator threw: nothing more is pulled. */
  protected abstract sourceFailed(error: unknown): void;
  /** Every started task settled and nothing more will be pulled (after exhaustion or {@link stop}); called once. */
  protected abstract ended(): void;
  /** A task was started for input `index`; returns a number {@link settled} hears back with its outcome (a subclass's handle on it). */
  protected started(_index: number, _task: StartedTask | undefined): number {
    return -1;
  }

  /** The caller's signal aborted; called before the call's tasks hear it. */
  protected signalAborted(): void {}

  /** True when another input may be pulled now. */
  protected hasRoom(): boolean {
    return this.active < this.window;
  }

  /** Inputs in the call: an array's length, else the inputs pulled so far. */
  protected total(): number {
    return this.#knownTotal >= 0 ? this.#knownTotal : this.#pulled;
  }

  /** Pulls and starts inputs while there is room. */
  launch(): void {
    if (this.#sync !== undefined) {
      while (!this.#stopped && !this.#exhausted && this.hasRoom()) {
        let step: IteratorResult<unknown>;
        try {
          step = this.#sync.next();
        } catch (error) {
          this.#sourceThrew(error);
          return;
        }
        if (step.done) this.#exhausted = true;
        else this.#run(step.value);
      }
      this.#endIfDone();
      return;
    }
    this.#pullAsync();
  }

  /** Pulls nothing more and closes the inputs' iterator; started tasks still settle. */
  protected stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#exhausted) return;
    try {
      const closing = this.#sync?.return?.() ?? this.#async?.return?.();
      if (closing instanceof Promise) closing.catch(() => {});
    } catch {
      // The iterable's own clean-up failed; the call is over anyway.
    }
  }

  /** Async inputs: one pull at a time; each pulled input starts, then the next pull follows while there is room. */
  #pullAsync(): void {
    if (this.#pulling || this.#stopped || this.#exhausted || !this.hasRoom()) {
      this.#endIfDone();
      return;
    }
    this.#pulling = true;
    const iterator = this.#async as AsyncIterator<unknown>;
    new Promise<IteratorResult<unknown>>((resolve) => resolve(iterator.next())).then(
      (step) => {
        this.#pulling = false;
        if (step.done) this.#exhausted = true;
        else if (!this.#stopped) this.#run(step.value);
        this.#pullAsync();
      },
      (error: unknown) => {
        this.#pulling = false;
        this.#sourceThrew(error);
      },
    );
  }

  #sourceThrew(error: unknown): void {
    if (this.#stopped) {
      this.#endIfDone();
      return;
    }
    this.#stopped = true;
    this.sourceFailed(error);
    this.#endIfDone();
  }

  #run(input: unknown): void {
    const index = this.#pulled++;
    this.active++;
    // `finish` is never called synchronously, so the token is set before it is read.
    let token = -1;
    const task = this.#start(input, this.#itemOptions(index), this.options.chunkSize, (error, output, run) => this.#settle(index, token, error, output, run));
    token = this.started(index, task);
  }

  #itemOptions(index: number): TaskRunOptions {
    const { onSuccess, onError, affinityKey } = this.options;
    if (onSuccess === undefined && onError === undefined && affinityKey === undefined) return this.#shared;
    return {
      ...this.#shared,
      affinityKeyOf: affinityKey === undefined ? undefined : (input) => affinityKey(input, index),
      onSuccess: onSuccess === undefined ? undefined : (result, info) => onSuccess(result, { ...info, index }),
      onError: onError === undefined ? undefined : (error, info) => onError(error, { ...info, index }),
    };
  }

  #settle(index: number, token: number, error: OffloadError | undefined, output: unknown, run: { info(): TaskEventInfo }): void {
    this.active--;
    if (error === undefined) this.#succeeded++;
    else this.#failed++;
    this.settled(index, token, error, output, run);
    const { onProgress } = this.options;
    if (onProgress !== undefined) {
      const progress = { done: this.#succeeded + this.#failed, total: this.total(), succeeded: this.#succeeded, failed: this.#failed };
      callSafely(() => onProgress(progress));
    }
    this.launch();
  }

  /**
   * The caller's signal as one the call's tasks share: it aborts with it, and
   * takes any number of listeners, so the caller's signal gets one listener
   * per call instead of one per task in flight.
   */
  #linkSignal(signal: AbortSignal | undefined): AbortSignal | undefined {
    if (signal === undefined || signal.aborted) return signal;
    const linked = new AbortController();
    setMaxListeners(0, linked.signal);
    const follow = (): void => {
      this.signalAborted();
      linked.abort(signal.reason);
    };
    signal.addEventListener('abort', follow, { once: true });
    this.#unlinkSignal = () => signal.removeEventListener('abort', follow);
    return linked.signal;
  }

  #endIfDone(): void {
    if (this.#ended || !(this.#exhausted || this.#stopped) || this.active > 0 || this.#pulling) return;
    this.#ended = true;
    this.#unlinkSignal?.();
    this.ended();
  }
}
