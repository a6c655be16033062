/**
 * A task's input and the forms backends take it in, each encoded once, when
 * first needed: the local pool's (binary leaves beside the text, moved to the
 * worker when the call or the task sets `transfer`), a network envelope's
 * (binary inlined as base64), and that of a backend with `binaryParts`
 * (binary beside the text, nothing moved). Encoding checks the value: a
 * `SerializationError` comes from the first form made.
 */
import type { Backend } from '../backends/backend.js';
import { type EncodedParts, serialize, serializeParts } from '../contract/codec.js';
import { SerializationError } from '../errors.js';
import type { DataPlace } from './data-place.js';

/** One task's input, encoded per backend form. */
export class TaskInput {
  readonly value: unknown;
  readonly #transfer: boolean;
  #local: EncodedParts | undefined;
  #wire: string | undefined;
  #remote: EncodedParts | undefined;

  /** `transfer`: the local form moves the input's own buffers to the worker (the caller's copies are detached). */
  constructor(value: unknown, transfer: boolean) {
    this.value = value;
    this.#transfer = transfer;
  }

  /** The local pool's form. */
  local(): EncodedParts {
    this.#local ??= serializeParts(this.value, 'input', this.#transfer);
    return this.#local;
  }

  /** A network envelope's text; `data` (the task's `dataRegion` place) may hold it encoded already. */
  wire(data: DataPlace | undefined): string {
    this.#wire ??= data?.encodedInput() ?? serialize(this.value, 'input');
    return this.#wire;
  }

  /** The form of a backend with `binaryParts`. */
  remote(): EncodedParts {
    this.#remote ??= serializeParts(this.value, 'input');
    return this.#remote;
  }

  /** The parts `backend` takes (`local` is the pool), or undefined when it takes {@link wire} text. */
  partsFor(backend: Backend, local: Backend): EncodedParts | undefined {
    if (backend === local) return this.local();
    return backend.binaryParts === true ? this.remote() : undefined;
  }

  /**
   * Why the input cannot go to attempt `attempt` of task `taskName` on
   * `backend`: an earlier local attempt moved its buffers (`transfer`), so
   * they are detached. Undefined when it can.
   */
  movedError(taskName: string, attempt: number, backend: string): SerializationError | undefined {
    if (this.#local?.binary?.moved !== true) return undefined;
    return new SerializationError(
      `Cannot send the input of task "${taskName}" again (attempt ${attempt}, ${backend}): its buffers were transferred to a local worker (\`transfer: true\`) and are detached. Run without \`transfer\` where an input may need to be sent again.`,
      { path: 'input' },
    );
  }
}
