/**
 * What one remote attempt may cost and what it was billed for: the upper
 * bound of its billed run time, reserved against the budgets until it
 * settles, and the billed run time of an attempt that failed without a result.
 */
import type { BackendFacts } from '../backends/backend.js';
import { isOffloadError } from '../errors.js';
import { neverStarted } from '../resilience/faults.js';

/** Reserved for an attempt without `timeoutMs` on a backend without `maxBilledDurationMs`: 15 min, Lambda's largest function timeout. */
const DEFAULT_MAX_BILLED_DURATION_MS = 900_000;

/** Added to a task's `timeoutMs` in the bound: the runtime answers a timed-out task within this margin (timer lag, encoding the answer). */
const TIMEOUT_MARGIN_MS = 100;

/**
 * The longest `backend` can bill one attempt whose task has `timeoutMs`:
 * that timeout plus a margin for answering it, never more than the
 * backend's `maxBilledDurationMs`; without a `timeoutMs`, the backend's
 * `maxBilledDurationMs`, else 900,000 ms.
 */
export function attemptBoundMs(backend: BackendFacts, timeoutMs: number | undefined): number {
  const max = backend.maxBilledDurationMs ?? DEFAULT_MAX_BILLED_DURATION_MS;
  return timeoutMs === undefined ? max : Math.min(timeoutMs + TIMEOUT_MARGIN_MS, max);
}

/**
 * Billed run time of an attempt that failed without a result envelope, so
 * the backend could not report how long it ran; undefined when it was not billed:
 *
 * - never sent (`sentAt` undefined), or the fault proves it never started (throttled, unreachable, breaker open): not billed;
 * - aborted after it was sent: the whole bound, since the function keeps running (and billing) after the caller stops waiting;
 * - any other fault: the measured wall time since it was sent, at most the bound.
 */
export function failedAttemptMs(error: unknown, sentAt: number | undefined, boundMs: number, now = performance.now()): number | undefined {
  if (sentAt === undefined || neverStarted(error)) return undefined;
  if (isOffloadError(error, 'ERR_ABORTED')) return boundMs;
  return Math.min(boundMs, Math.max(0, now - sentAt));
}
