/**
 * The one error of a throttled remote: a retryable `CapacityError` with code
 * `ERR_BACKEND_THROTTLED` on every adapter, and the provider's own word for
 * it in `providerCode` (an exception name such as `TooManyRequestsException`,
 * or `HTTP 429`).
 */
import { CapacityError, type TaskPlacement } from '../errors.js';

/** A `CapacityError` that says what the provider answered. */
export type ThrottledError = CapacityError & { readonly providerCode: string };

/** Creates the error of a throttled attempt; `cause` is what the provider's client threw, if anything. */
export function throttledError(message: string, providerCode: string, options: TaskPlacement & { cause?: unknown }): ThrottledError {
  const error = new CapacityError(message, { ...options, code: 'ERR_BACKEND_THROTTLED', retryable: true });
  Object.defineProperty(error, 'providerCode', { value: providerCode, enumerable: true });
  return error as ThrottledError;
}
