/**
 * One opossum circuit breaker per backend: each remote has one in front of
 * its attempts, and the local pool has one that hears every chunk's health.
 * By default only infrastructure faults (see `faults.ts`) count as failures.
 */
import CircuitBreaker from 'opossum';
import type { ResultEnvelope } from '../contract/envelope.js';
import { CircuitOpenError } from '../errors.js';
import type { BreakerState } from '../scheduler/types.js';
import { isInfrastructureFault } from './faults.js';

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

/** A breaker transition, for the offloader's events. */
export interface BreakerTransition {
  /** The backend whose breaker changed state. */
  backend: string;
  /** The new state. */
  state: BreakerState;
  /** Why, in words. */
  reason: string;
}

/** The breaker of one backend. */
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
 * Creates the breaker of a backend from validated options (defaults applied
 * in `options.ts`); `onTransition` hears every state change.
 * `counts` decides which errors are failures (infrastructure faults by default).
 */
export function createBackendBreaker(
  backend: string,
  options: Required<BreakerOptions>,
  onTransition: (transition: BreakerTransition) => void,
  counts: (error: unknown) => boolean = isInfrastructureFault,
): BackendBreaker {
  const breaker = new CircuitBreaker((attempt: () => Promise<ResultEnvelope>) => attempt(), {
    // spillway owns timeouts: the breaker never times an attempt out itself.
    timeout: false,
    errorThresholdPercentage: options.errorThresholdPercentage,
    volumeThreshold: options.volumeThreshold,
    resetTimeout: options.resetTimeoutMs,
    rollingCountTimeout: options.rollingWindowMs,
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
