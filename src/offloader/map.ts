/**
 * `map`: runs one task over an iterable or async iterable of inputs, pulling
 * inputs lazily so that at most a window of them is in flight, and resolves
 * with the outputs in input order.
 */
import { setMaxListeners } from 'node:events';
import { type OffloadError, ValidationError } from '../errors.js';
import { callSafely } from './call-safely.js';
import type { MapInputs, MapOptions, RunOptions, TaskCallback } from './types.js';

/** Starts one task for `input`; `finish` hears its outcome exactly once, never synchronously. */
export type StartTask = (input: unknown, options: RunOptions<unknown>, chunkSize: number | undefined, finish: TaskCallback) => void;

/** One `map` call: its input iterator, its window and its results. */
class MapRun {
  readonly #start: StartTask;
  readonly #options: MapOptions<unknown>;
  readonly #window: number;
  readonly #resolve: (results: unknown[]) => void;
  readonly #reject: (error: unknown) => void;
  readonly #sync: Iterator<unknown> | undefined;
  readonly #async: AsyncIterator<unknown> | undefined;
  readonly #shared: RunOptions<unknown>;
  readonly #results: unknown[];
  readonly #errors: OffloadError[] = [];
  /** Inputs in the call when known up front (an array), else -1. */
  readonly #knownTotal: number;
  #pulled = 0;
  #active = 0;
  #succeeded = 0;
  #failed = 0;
  #exhausted = false;
  #pulling = false;
  #stopped = false;
  #unlinkSignal: (() => void) | undefined;

  constructor(
    start: StartTask,
    inputs: MapInputs<unknown>,
    options: MapOptions<unknown>,
    window: number,
    resolve: (results: unknown[]) => void,
    reject: (error: unknown) => void,
  ) {
    this.#start = start;
    this.#options = options;
    this.#window = window;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#shared = { signal: this.#linkSignal(options.signal), timeoutMs: options.timeoutMs, placement: options.placement };
    this.#knownTotal = Array.isArray(inputs) ? inputs.length : -1;
    this.#results = this.#knownTotal >= 0 ? new Array(this.#knownTotal) : [];
    if (typeof (inputs as Iterable<unknown>)[Symbol.iterator] === 'function') this.#sync = (inputs as Iterable<unknown>)[Symbol.iterator]();
    else this.#async = (inputs as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  }

  /** True when `inputs` can be iterated, synchronously or not. */
  static iterable(inputs: unknown): inputs is MapInputs<unknown> {
    if (typeof inputs === 'string') return true;
    if (typeof inputs !== 'object' || inputs === null) return false;
    return (
      typeof (inputs as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function' ||
      typeof (inputs as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function'
    );
  }

  /** Pulls and starts inputs while the window has room. */
  launch(): void {
    if (this.#sync !== undefined) {
      while (!this.#stopped && !this.#exhausted && this.#active < this.#window) {
        let step: IteratorResult<unknown>;
        try {
          step = this.#sync.next();
        } catch (error) {
          this.#stop(error);
          return;
        }
        if (step.done) this.#exhausted = true;
        else this.#run(step.value);
      }
      this.#finishIfDone();
      return;
    }
    this.#pullAsync();
  }

  /** Async inputs: one pull at a time; each pulled input starts, then the next pull follows while the window has room. */
  #pullAsync(): void {
    if (this.#pulling || this.#stopped || this.#exhausted || this.#active >= this.#window) {
      this.#finishIfDone();
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
        this.#stop(error);
      },
    );
  }

  #run(input: unknown): void {
    const index = this.#pulled++;
    this.#active++;
    this.#start(input, this.#itemOptions(index), this.#options.chunkSize, (error, output) => this.#settled(index, error, output));
  }

  #itemOptions(index: number): RunOptions<unknown> {
    const { onSuccess, onError } = this.#options;
    if (onSuccess === undefined && onError === undefined) return this.#shared;
    return {
      ...this.#shared,
      onSuccess: onSuccess === undefined ? undefined : (result, info) => onSuccess(result, { ...info, index }),
      onError: onError === undefined ? undefined : (error, info) => onError(error, { ...info, index }),
    };
  }

  #settled(index: number, error: OffloadError | undefined, output: unknown): void {
    this.#active--;
    if (error === undefined) {
      this.#results[index] = output;
      this.#succeeded++;
    } else {
      this.#failed++;
      if (this.#options.stopOnError === false) this.#errors.push(error);
      else this.#stop(error);
    }
    const { onProgress } = this.#options;
    if (onProgress !== undefined) {
      const progress = { done: this.#succeeded + this.#failed, total: this.#total(), succeeded: this.#succeeded, failed: this.#failed };
      callSafely(() => onProgress(progress));
    }
    this.launch();
  }

  #total(): number {
    return this.#knownTotal >= 0 ? this.#knownTotal : this.#pulled;
  }

  /** Rejects at once and pulls nothing more; tasks already started still settle. */
  #stop(error: unknown): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (!this.#exhausted) {
      try {
        const closing = this.#sync?.return?.() ?? this.#async?.return?.();
        if (closing instanceof Promise) closing.catch(() => {});
      } catch {
        // The iterable's own clean-up failed; the call already failed.
      }
    }
    this.#reject(error);
  }

  /**
   * The caller's signal as one the map's tasks share: it aborts with it, and
   * takes any number of listeners, so the caller's signal gets one listener
   * per map call instead of one per task in flight.
   */
  #linkSignal(signal: AbortSignal | undefined): AbortSignal | undefined {
    if (signal === undefined || signal.aborted) return signal;
    const linked = new AbortController();
    setMaxListeners(0, linked.signal);
    const follow = (): void => linked.abort(signal.reason);
    signal.addEventListener('abort', follow, { once: true });
    this.#unlinkSignal = () => signal.removeEventListener('abort', follow);
    return linked.signal;
  }

  #finishIfDone(): void {
    if (this.#stopped || !this.#exhausted || this.#active > 0 || this.#pulling) return;
    this.#unlinkSignal?.();
    if (this.#errors.length > 0) {
      const total = this.#total();
      this.#reject(new AggregateError(this.#errors, `${this.#errors.length} of ${total} tasks failed; the first: ${this.#errors[0].message}`));
    } else {
      this.#resolve(this.#results);
    }
  }
}

/**
 * Runs `start` over `inputs` with at most `window` tasks in flight; resolves
 * with the outputs in input order (see `Offloader.map`).
 */
export function mapInputs(start: StartTask, inputs: MapInputs<unknown>, options: MapOptions<unknown>, window: number): Promise<unknown[]> {
  return new Promise<unknown[]>((resolve, reject) => {
    if (!MapRun.iterable(inputs)) {
      const got = inputs === null ? 'null' : typeof inputs;
      throw new ValidationError(`Expected \`inputs\` to be an iterable or an async iterable, got ${got}`, { path: 'inputs' });
    }
    new MapRun(start, inputs, options, window, resolve, reject).launch();
  });
}
