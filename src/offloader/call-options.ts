/**
 * Checks of the per-call options of `run`, `map` and `stream` that no zod
 * schema covers (they are checked on every call, so by hand): each returns
 * the `ValidationError` to reject with, or `undefined` when the value is fine.
 */
import { MAX_TIMEOUT_MS } from '../contract/platform.js';
import { ValidationError } from '../errors.js';

/** A `transfer` run or map option that is not a boolean, as a ValidationError; `undefined` when it is fine. */
export function invalidTransfer(transfer: unknown): ValidationError | undefined {
  if (transfer === undefined || typeof transfer === 'boolean') return undefined;
  return new ValidationError(`Expected \`transfer\` to be a boolean, got ${typeof transfer}`, { path: 'transfer' });
}

/** A `timeoutMs` run or map option outside 1 to {@link MAX_TIMEOUT_MS}, as a ValidationError; `undefined` when it is fine. */
export function invalidTimeout(timeoutMs: unknown, what = '`timeoutMs`'): ValidationError | undefined {
  if (timeoutMs === undefined || (typeof timeoutMs === 'number' && timeoutMs >= 1 && timeoutMs <= MAX_TIMEOUT_MS)) return undefined;
  return new ValidationError(
    `Expected ${what} to be a number of milliseconds from 1 to ${MAX_TIMEOUT_MS} (2^31-1, the longest Node timer), got ${String(timeoutMs)}: leave it out for no limit`,
    { path: 'timeoutMs' },
  );
}
