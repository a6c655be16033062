/**
 * Resilience: one opossum circuit breaker per remote backend, and the one
 * classification of errors the breakers and retries share.
 *
 * - A task's own error, a validation error, a timeout of the task itself and
 *   an abort are never backend failures: the breaker does not count them and
 *   the infrastructure retry does not repeat them.
 * - Retryable `BackendError`s and `CapacityError`s (a 5xx, a refused
 *   connection, throttling) and an open breaker are infrastructure faults:
 *   counted, retried with backoff, and failed over to the next healthy
 *   backend for idempotent tasks.
 * - A non-idempotent task is retried only when the fault proves the attempt
 *   never started (throttled, refused connection, open breaker).
 */
import CircuitBreaker from 'opossum';
import type { ResultEnvelope } from './contract/envelope.js';
import { CircuitOpenError, isOffloadError, type OffloadError } from './errors.js';
import type { BreakerState } from './scheduler.js';

/** Breaker settings, the same for every remote. */
export interface BreakerOptions {
  /**
   * Percentage of counted failures in the rolling window that opens the breaker.
   * @default 50
   */
  errorThresholdPercentage?: number;
  /**
   * Attempts in the window before the breaker may open at all.
   * @default 5
   */
  volumeThreshold?: number;
  /**
   * How long an open breaker waits before letting one probe through (half-open).
   * @default 10_000
   */
  resetTimeoutMs?: number;
  /**
   * Length of the rolling window of counted attempts.
   * @default 10_000
   */
  rollingWindowMs?: number;
}

/** Infrastructure retry settings. */
export interface RetryOptions {
  /**
   * Retries of an infrastructure fault (each may fail over to another backend).
   * @default 3
   */
  retries?: number;
  /**
   * First backoff delay; later ones grow by 2x with jitter.
   * @default 50
   */
  minDelayMs?: number;
  /**
   * Longest backoff delay.
   * @default 2_000
   */
  maxDelayMs?: number;
}

/** Codes that prove an attempt never reached the task. */
const NEVER_STARTED_CODES = new Set(['ERR_CIRCUIT_OPEN', 'ERR_BACKEND_UNREACHABLE', 'ERR_LAMBDA_NETWORK', 'ERR_BACKEND_THROTTLED', 'ERR_QUEUE_FULL']);

/** True for faults of a backend rather than of the task: counted by breakers, retried with backoff. */
export function isInfrastructureFault(error: unknown): error is OffloadError {
  return isOffloadError(error) && error.retryable && error.name !== 'TaskError' && error.code !== 'ERR_ABORTED';
}

/** True when the fault proves the attempt never started, so even a non-idempotent task may run again. */
export function neverStarted(error: unknown): boolean {
  if (!isOffloadError(error)) return false;
  if (error.name === 'CapacityError' || error.name === 'CircuitOpenError') return true;
  if (NEVER_STARTED_CODES.has(error.code)) {
    // A network fault proves nothing unless the connection was refused.
    const cause = (error.cause as { code?: string } | undefined)?.code;
    return error.code !== 'ERR_LAMBDA_NETWORK' || cause === 'ECONNREFUSED';
  }
  return false;
}

/** A breaker transition, for the offloader's events. */
export interface BreakerTransition {
  backend: string;
  state: BreakerState;
  reason: string;
}

/** The breaker in front of one remote. */
export interface BackendBreaker {
  /** Current state, as the scheduler sees it. */
  state(): BreakerState;
  /** Runs one attempt through the breaker; an open breaker rejects with `CircuitOpenError`. */
  fire(attempt: () => Promise<ResultEnvelope>): Promise<ResultEnvelope>;
  /** Stops the breaker's timers. */
  shutdown(): void;
  /** Records an outcome observed elsewhere (the local pool reports each chunk): `undefined` is a success. */
  record(fault: unknown): void;
}

/**
 * Creates the breaker of a backend; `onTransition` hears every state change.
 * `counts` decides which errors are failures (infrastructure faults by default).
 */
export function createBackendBreaker(
  backend: string,
  options: BreakerOptions,
  onTransition: (transition: BreakerTransition) => void,
  counts: (error: unknown) => boolean = isInfrastructureFault,
): BackendBreaker {
  const breaker = new CircuitBreaker((attempt: () => Promise<ResultEnvelope>) => attempt(), {
    // spillway owns timeouts: the breaker never times an attempt out itself.
    timeout: false,
    errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
    volumeThreshold: options.volumeThreshold ?? 5,
    resetTimeout: options.resetTimeoutMs ?? 10_000,
    rollingCountTimeout: options.rollingWindowMs ?? 10_000,
    // `true` means "do not count": only infrastructure faults open the breaker.
    errorFilter: (error: unknown) => !counts(error),
  });
  let lastFailure = 'no failure recorded';
  breaker.on('failure', (error: unknown) => {
    lastFailure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  });
  breaker.on('open', () => onTransition({ backend, state: 'open', reason: `failures crossed the threshold; last: ${lastFailure}` }));
  breaker.on('halfOpen', () => onTransition({ backend, state: 'half-open', reason: 'reset timeout elapsed; one probe may pass' }));
  breaker.on('close', () => onTransition({ backend, state: 'closed', reason: 'the probe succeeded' }));
  return {
    state: () => (breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed'),
    async fire(attempt) {
      try {
        return await breaker.fire(attempt);
      } catch (error) {
        if ((error as { code?: string }).code === 'EOPENBREAKER') {
          throw new CircuitOpenError(`The circuit breaker of backend "${backend}" is open (${lastFailure}); the task was not sent`, { backend });
        }
        throw error;
      }
    },
    shutdown: () => breaker.shutdown(),
    record(fault) {
      // Through fire() so opossum's state machine (and half-open probing) sees it; the rejection is expected.
      breaker.fire(() => (fault === undefined ? Promise.resolve(undefined as unknown as ResultEnvelope) : Promise.reject(fault))).catch(() => {});
    },
  };
}
