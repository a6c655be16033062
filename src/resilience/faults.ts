/**
 * The one classification of errors that breakers and retries share, read
 * from error properties only (`name`, `code`, `retryable`), never from one
 * adapter's own codes:
 *
 * - A task's own error, a validation error, a timeout of the task itself and
 *   an abort are never backend failures: the breaker does not count them and
 *   the infrastructure retry does not repeat them.
 * - Retryable `BackendError`s and `CapacityError`s (a 5xx, a network fault,
 *   throttling) and an open breaker are infrastructure faults: counted,
 *   retried with backoff, and failed over to the next eligible backend for
 *   idempotent tasks.
 * - A non-idempotent task is retried only when the fault proves the attempt
 *   never started: a `CapacityError`, a `CircuitOpenError`, or one of the
 *   codes in {@link NEVER_STARTED_CODES}. An adapter whose request provably
 *   never reached the function says so with `ERR_BACKEND_UNREACHABLE`
 *   (connection refused) or `ERR_BACKEND_THROTTLED`; any other network fault
 *   is `ERR_BACKEND_NETWORK`, retryable but not proof.
 */
import { isOffloadError, type OffloadError, type OffloadErrorCode } from '../errors.js';

/** Codes that prove an attempt never reached the task. */
const NEVER_STARTED_CODES: ReadonlySet<OffloadErrorCode> = new Set<OffloadErrorCode>([
  'ERR_CIRCUIT_OPEN',
  'ERR_BACKEND_UNREACHABLE',
  'ERR_BACKEND_THROTTLED',
  'ERR_QUEUE_FULL',
]);

/** True for faults of a backend rather than of the task: counted by breakers, retried with backoff. */
export function isInfrastructureFault(error: unknown): error is OffloadError {
  return isOffloadError(error) && error.retryable && error.name !== 'TaskError' && error.code !== 'ERR_ABORTED';
}

/** True when the fault proves the attempt never started, so even a non-idempotent task may run again. */
export function neverStarted(error: unknown): boolean {
  if (!isOffloadError(error)) return false;
  return error.name === 'CapacityError' || error.name === 'CircuitOpenError' || NEVER_STARTED_CODES.has(error.code);
}
