/**
 * `stream`: runs one task over an iterable or async iterable of inputs and
 * yields each outcome as it settles, in completion order. It pulls an input
 * only while fewer than a window of tasks run and fewer than a window of
 * outcomes wait for the consumer, so memory stays flat however many inputs
 * there are and however slowly they are consumed.
 */
import { SlotList } from '../backends/slot-list.js';
import { AbortError, type OffloadError } from '../errors.js';
import type { TaskEventInfo } from './events.js';
import type { MapInputs, StreamOptions, StreamResult } from './types.js';
import { assertIterable, type StartedTask, type StartTask, WindowedRun } from './windowed-run.js';

/** Consumed entries kept at the buffer's front before it is compacted. */
const COMPACT_AFTER = 1024;

type Item = StreamResult<unknown>;

interface Waiter {
  resolve: (step: IteratorResult<Item, undefined>) => void;
  reject: (error: unknown) => void;
}

const DONE: IteratorResult<Item, undefined> = { done: true, value: undefined };

/** One `stream` call: a {@link WindowedRun} that is also the consumer's async iterator. */
class StreamRun extends WindowedRun implements AsyncIterableIterator<Item, undefined> {
  /** Outcomes waiting for the consumer, from `#head` on. */
  #buffer: Item[] = [];
  #head = 0;
  readonly #waiters: Waiter[] = [];
  /** Started tasks not settled (the token `started` returns is the slot): what `return()` may cancel. */
  readonly #running = new SlotList<StartedTask>();
  #launched = false;
  /** The consumer left, or the call ended: nothing more is yielded. */
  #closed = false;
  /** Everything started has settled and nothing more will be pulled. */
  #ended = false;
  /** The inputs' iterator threw: `next()` rejects with this once everything started was yielded. */
  #sourceError: { error: unknown } | undefined;
  /** What the next `next()` rejects with, once the buffer is drained; then the stream is done. */
  #rejection: { error: unknown } | undefined;

  constructor(start: StartTask, inputs: MapInputs<unknown>, options: StreamOptions<unknown>, window: number) {
    super(start, inputs, options, window);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Item, undefined>> {
    if (!this.#launched) this.#launch();
    if (this.#head < this.#buffer.length) return Promise.resolve({ done: false, value: this.#shift() });
    const rejection = this.#rejection;
    if (rejection !== undefined) {
      this.#rejection = undefined;
      this.#close();
      return Promise.reject(rejection.error);
    }
    if (this.#closed || this.#ended) {
      this.#close();
      return Promise.resolve(DONE);
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /**
   * The consumer left: pull nothing more, fail the started tasks no worker
   * has started with `AbortError`, and drop every outcome from now on.
   */
  return(): Promise<IteratorResult<Item, undefined>> {
    // Cancelling settles synchronously, and closing clears the list: `values()` is a copy.
    const running = this.#running.values();
    this.#rejection = undefined;
    this.#close();
    this.stop();
    const error = new AbortError('The stream was closed by its consumer before the task started');
    for (const task of running) task.cancelUnstarted(error);
    return Promise.resolve(DONE);
  }

  protected override hasRoom(): boolean {
    return this.active < this.window && this.#buffer.length - this.#head < this.window;
  }

  protected override started(_index: number, task: StartedTask | undefined): number {
    return task !== undefined && !this.#closed ? this.#running.add(task) : -1;
  }

  protected settled(index: number, slot: number, error: OffloadError | undefined, output: unknown, run: { info(): TaskEventInfo }): void {
    if (slot !== -1) this.#running.delete(slot);
    if (this.#closed) return;
    const item: Item = error === undefined ? { index, ok: true, value: output, info: run.info() } : { index, ok: false, error, info: run.info() };
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter.resolve({ done: false, value: item });
    else this.#buffer.push(item);
  }

  protected sourceFailed(error: unknown): void {
    this.#sourceError = { error };
  }

  protected ended(): void {
    this.#ended = true;
    if (this.#closed) return;
    // Waiters exist only while the buffer is empty: the first hears the source's error, if any.
    const failure = this.#sourceError;
    const waiter = failure === undefined ? undefined : this.#waiters.shift();
    if (failure !== undefined && waiter === undefined) this.#rejection = failure;
    if (waiter !== undefined) {
      this.#close();
      waiter.reject(failure?.error);
    }
    for (const other of this.#waiters.splice(0)) other.resolve(DONE);
  }

  #launch(): void {
    this.#launched = true;
    const { signal } = this.options;
    if (signal?.aborted) {
      this.#abort();
      return;
    }
    this.launch();
  }

  #shift(): Item {
    const item = this.#buffer[this.#head];
    this.#buffer[this.#head++] = undefined as unknown as Item;
    if (this.#head === this.#buffer.length) {
      this.#buffer = [];
      this.#head = 0;
    } else if (this.#head > COMPACT_AFTER && this.#head * 2 > this.#buffer.length) {
      this.#buffer = this.#buffer.slice(this.#head);
      this.#head = 0;
    }
    // Consuming may have made room for more inputs.
    if (!this.#closed) this.launch();
    return item;
  }

  protected override signalAborted(): void {
    this.#abort();
  }

  /** The caller's signal aborted: the submitted tasks abort with it; the pending `next()` rejects, later ones are done. */
  #abort(): void {
    if (this.#closed) return;
    const reason = this.options.signal?.reason;
    const error = new AbortError('The stream was aborted by its signal', { cause: reason });
    const waiter = this.#waiters.shift();
    this.#close();
    this.stop();
    if (waiter === undefined) this.#rejection = { error };
    else waiter.reject(error);
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#buffer = [];
    this.#head = 0;
    this.#running.clear();
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(DONE);
  }
}

/**
 * Runs `start` over `inputs` and yields each outcome as it settles (see
 * `Offloader.stream`). Throws a `ValidationError` at once when `inputs`
 * cannot be iterated.
 */
export function streamInputs(
  start: StartTask,
  inputs: MapInputs<unknown>,
  options: StreamOptions<unknown>,
  window: number,
): AsyncIterableIterator<Item, undefined> {
  assertIterable(inputs);
  return new StreamRun(start, inputs, options, window);
}
