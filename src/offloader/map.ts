/**
 * `map`: runs one task over an iterable or async iterable of inputs, pulling
 * inputs lazily so that at most a window of them is in flight, and resolves
 * with the outputs in input order.
 */
import type { OffloadError } from '../errors.js';
import type { MapAggregateError, MapInputs, MapOptions } from './types.js';
import { assertIterable, type StartTask, WindowedRun } from './windowed-run.js';

/** One `map` call: a {@link WindowedRun} that collects outputs in input order. */
class MapRun extends WindowedRun {
  readonly #resolve: (results: unknown[]) => void;
  readonly #reject: (error: unknown) => void;
  readonly #results: unknown[];
  readonly #errors: OffloadError[] = [];
  #rejected = false;

  constructor(
    start: StartTask,
    inputs: MapInputs<unknown>,
    options: MapOptions<unknown>,
    window: number,
    resolve: (results: unknown[]) => void,
    reject: (error: unknown) => void,
  ) {
    super(start, inputs, options, window);
    this.#resolve = resolve;
    this.#reject = reject;
    this.#results = Array.isArray(inputs) ? new Array(inputs.length) : [];
  }

  protected settled(index: number, _token: number, error: OffloadError | undefined, output: unknown): void {
    if (error === undefined) this.#results[index] = output;
    else if (this.options.stopOnError === false) this.#errors.push(error);
    else this.#fail(error);
  }

  protected sourceFailed(error: unknown): void {
    this.#fail(error);
  }

  /** Rejects at once and pulls nothing more; tasks already started still settle. */
  #fail(error: unknown): void {
    if (this.#rejected) return;
    this.#rejected = true;
    this.stop();
    this.#reject(error);
  }

  protected ended(): void {
    if (this.#rejected) return;
    if (this.#errors.length === 0) {
      this.#resolve(this.#results);
      return;
    }
    const total = this.total();
    // One slot per input, so trailing failures are holes too.
    this.#results.length = total;
    const error = new AggregateError(this.#errors, `${this.#errors.length} of ${total} tasks failed; the first: ${this.#errors[0].message}`);
    this.#reject(Object.assign(error, { results: this.#results }) satisfies MapAggregateError);
  }
}

/**
 * Runs `start` over `inputs` with at most `window` tasks in flight; resolves
 * with the outputs in input order (see `Offloader.map`).
 */
export function mapInputs(start: StartTask, inputs: MapInputs<unknown>, options: MapOptions<unknown>, window: number): Promise<unknown[]> {
  return new Promise<unknown[]>((resolve, reject) => {
    assertIterable(inputs);
    new MapRun(start, inputs, options, window, resolve, reject).launch();
  });
}
