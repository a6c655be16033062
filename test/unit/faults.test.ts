// Fault classification from error properties only: which errors are
// infrastructure faults, and which prove the attempt never started.
import { describe, expect, it } from 'vitest';
import { AbortError, BackendError, CapacityError, CircuitOpenError, TaskError, TimeoutError, ValidationError } from '../../src/index.js';
import { isInfrastructureFault, neverStarted } from '../../src/resilience/faults.js';

describe('isInfrastructureFault', () => {
  it('counts retryable backend and capacity faults and an open breaker, never task errors, validation, timeouts or aborts', () => {
    expect(isInfrastructureFault(new BackendError('HTTP 503'))).toBe(true);
    expect(isInfrastructureFault(new CapacityError('throttled'))).toBe(true);
    expect(isInfrastructureFault(new CircuitOpenError('open'))).toBe(true);
    expect(isInfrastructureFault(new BackendError('bad response', { retryable: false }))).toBe(false);
    expect(isInfrastructureFault(new TaskError('threw', { retryable: true }))).toBe(false);
    expect(isInfrastructureFault(new AbortError('aborted', { retryable: true }))).toBe(false);
    expect(isInfrastructureFault(new ValidationError('bad'))).toBe(false);
    expect(isInfrastructureFault(new TimeoutError('slow', { timeoutMs: 1 }))).toBe(false);
    expect(isInfrastructureFault(new Error('plain'))).toBe(false);
  });
});

describe('neverStarted', () => {
  it('is proven by capacity errors, an open breaker, an unreachable or throttling backend and a full queue', () => {
    expect(neverStarted(new CapacityError('full'))).toBe(true);
    expect(neverStarted(new CircuitOpenError('open'))).toBe(true);
    expect(neverStarted(new BackendError('connection refused', { code: 'ERR_BACKEND_UNREACHABLE' }))).toBe(true);
    expect(neverStarted(new BackendError('429', { code: 'ERR_BACKEND_THROTTLED' }))).toBe(true);
    expect(neverStarted(new BackendError('queue full', { code: 'ERR_QUEUE_FULL' }))).toBe(true);
  });

  it('is not proven by other network faults, 5xx, or a plain error', () => {
    expect(neverStarted(new BackendError('socket hang up', { code: 'ERR_BACKEND_NETWORK' }))).toBe(false);
    expect(neverStarted(new BackendError('reset', { code: 'ERR_BACKEND_CONNECTION_LOST' }))).toBe(false);
    expect(neverStarted(new BackendError('HTTP 503', { code: 'ERR_BACKEND_HTTP_503' }))).toBe(false);
    expect(neverStarted(Object.assign(new Error('refused'), { code: 'ERR_BACKEND_UNREACHABLE' }))).toBe(false);
  });

  it('reads error properties only: an adapter-specific code is no proof, whatever its cause', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const lambdaNetwork = new BackendError('network', { code: 'ERR_LAMBDA_NETWORK' as never, cause: refused });
    expect(neverStarted(lambdaNetwork)).toBe(false);
  });
});
