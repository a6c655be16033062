/** The callback object through which the local pool reports one attempt. */
import type { ResultEnvelope } from '../../contract/envelope.js';
import type { OffloadError } from '../../errors.js';

/** Receives the progress and outcome of one attempt (an object, so a hot path allocates no closures). */
export interface AttemptSink {
  /**
   * The attempt left the queue for a worker at `now` (`performance.now()`);
   * `carryContext`: that worker may restore a trace context (its envelope
   * then carries the caller's), false once the pool's workers said they have
   * no context manager.
   */
  dispatched(now: number, carryContext: boolean): void;
  /**
   * The attempt's outcome: an error, or the result envelope, with the thread
   * id of the worker that answered (absent when no worker answered, e.g. it
   * died). Called exactly once, never synchronously.
   */
  settled(error: OffloadError | undefined, result: ResultEnvelope | undefined, workerId?: number): void;
}
