/**
 * Where one task's data lives (its `dataRegion(input)`) and what moving it
 * to a remote in another region costs: the bytes the task declared, else the
 * size of its input as network envelopes carry it, priced with
 * `cost.crossRegionUsdPerGb`. The router reads it to place and fail over a
 * task, the remote attempts to reserve and bill the move.
 */
import type { Backend } from '../backends/backend.js';
import { serialize } from '../contract/codec.js';
import { ValidationError } from '../errors.js';
import { crossRegionUsd } from '../scheduler/region.js';
import type { DataLocation, ResolvedTaskDefinition } from '../task.js';

/** The region a remote runs in: its `region`, else its invoked function's; undefined when unknown. */
export function regionOf(remote: Backend): string | undefined {
  return remote.region ?? remote.invokedFunction?.region;
}

/** Where one task's data lives, and the bytes a move to another region carries. */
export class DataPlace {
  /** The region holding the data. */
  readonly region: string;
  readonly #declaredBytes: number | undefined;
  readonly #input: unknown;
  #encoded: string | undefined;
  #encodedBytes: number | undefined;

  /** `declaredBytes`: the `bytes` of the task's `dataRegion`; without it, the move carries the encoded `input`. */
  constructor(region: string, declaredBytes: number | undefined, input: unknown) {
    this.region = region;
    this.#declaredBytes = declaredBytes;
    this.#input = input;
  }

  /**
   * The input as network envelopes carry it, encoded once and shared with
   * the task's attempts. Throws the input's `SerializationError`.
   */
  encodedInput(): string {
    this.#encoded ??= serialize(this.#input, 'input');
    return this.#encoded;
  }

  /** Bytes a move carries: the declared count, else the UTF-8 size of the encoded input (0 when it cannot be encoded: the task fails on its own then). */
  bytes(): number {
    if (this.#declaredBytes !== undefined) return this.#declaredBytes;
    try {
      this.#encodedBytes ??= Buffer.byteLength(this.encodedInput());
      return this.#encodedBytes;
    } catch {
      return 0;
    }
  }

  /** What moving the data to `remote` costs at `usdPerGb`, USD: 0 in the same region or when the remote's region is unknown (the input is not encoded then). */
  transferUsd(remote: Backend, usdPerGb: number): number {
    const region = regionOf(remote);
    if (region === undefined || region === this.region || usdPerGb === 0) return 0;
    return crossRegionUsd(this.region, region, this.bytes(), usdPerGb);
  }
}

/**
 * The task's `dataRegion(input)` as a {@link DataPlace}: undefined when the
 * task has none or it returned none, a `ValidationError` when it threw.
 */
export function dataPlaceOf(task: ResolvedTaskDefinition, input: unknown): DataPlace | ValidationError | undefined {
  if (task.dataRegion === undefined) return undefined;
  let located: DataLocation | string | undefined;
  try {
    located = (task.dataRegion as (input: unknown) => DataLocation | string | undefined)(input);
  } catch (error) {
    return new ValidationError(`The \`dataRegion\` function of task "${task.name}" threw: ${(error as Error)?.message ?? String(error)}`, {
      path: 'dataRegion',
      cause: error,
    });
  }
  if (located === undefined) return undefined;
  if (typeof located === 'string') return new DataPlace(located, undefined, input);
  return new DataPlace(located.region, located.bytes, input);
}
