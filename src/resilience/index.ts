/** Resilience: per-backend circuit breakers, the retry policy, and fault classification from error properties. */
export { type BackendBreaker, type BreakerOptions, type BreakerTransition, createBackendBreaker } from './breaker.js';
export { isInfrastructureFault, NEVER_STARTED_CODES, neverStarted } from './faults.js';
export { backoff, type RetryOptions } from './retry.js';
