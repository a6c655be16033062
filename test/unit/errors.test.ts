import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  AbortError,
  BackendError,
  CapacityError,
  CircuitOpenError,
  isOffloadError,
  OffloadError,
  type OffloadErrorCode,
  PayloadTooLargeError,
  SerializationError,
  StaleBundleError,
  TaskError,
  TimeoutError,
  ValidationError,
} from '../../src/index.js';

const BRAND = Symbol.for('spillway.OffloadError');

const instances: [string, OffloadError][] = [
  ['ValidationError', new ValidationError('bad option', { path: 'local.maxWorkers' })],
  ['SerializationError', new SerializationError('cannot serialize', { path: 'input.cb' })],
  ['PayloadTooLargeError', new PayloadTooLargeError('too big', { sizeBytes: 10, limitBytes: 5 })],
  ['TaskError', new TaskError('the task threw')],
  ['TimeoutError', new TimeoutError('too slow', { timeoutMs: 100 })],
  ['AbortError', new AbortError('aborted')],
  ['CapacityError', new CapacityError('full')],
  ['CircuitOpenError', new CircuitOpenError('open')],
  ['BackendError', new BackendError('crashed')],
  ['StaleBundleError', new StaleBundleError('stale', { expectedHash: 'a', actualHash: 'b' })],
];

describe('error classes', () => {
  it.each(instances)('%s extends OffloadError and Error, with a code and retryable flag', (name, error) => {
    expect(error).toBeInstanceOf(OffloadError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.constructor.name).toBe(name);
    expect(typeof error.code).toBe('string');
    expect(error.code).toMatch(/^ERR_[A-Z_]+$/);
    expect(typeof error.retryable).toBe('boolean');
    expect(isOffloadError(error)).toBe(true);
    expect(isOffloadError(error, error.code)).toBe(true);
    expect(isOffloadError(error, 'ERR_SOMETHING_ELSE')).toBe(false);
  });

  it('gives every class its own default code', () => {
    const codes = instances.map(([, error]) => error.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('uses the documented default codes and retryability', () => {
    const byName = Object.fromEntries(instances.map(([name, error]) => [name, error]));
    expect(byName.ValidationError.code).toBe('ERR_VALIDATION');
    expect(byName.TimeoutError.code).toBe('ERR_TIMEOUT');
    expect(byName.ValidationError.retryable).toBe(false);
    expect(byName.SerializationError.retryable).toBe(false);
    expect(byName.CapacityError.retryable).toBe(true);
    expect(byName.BackendError.retryable).toBe(true);
    expect(byName.CircuitOpenError.retryable).toBe(true);
  });

  it('lets options override code and retryable, and carries cause and placement', () => {
    const cause = new Error('root');
    const error = new BackendError('worker died', {
      code: 'ERR_WORKER_EXITED',
      retryable: false,
      cause,
      taskName: 't',
      taskId: 'i',
      backend: 'local',
      attempts: 3,
    });
    expect(error.code).toBe('ERR_WORKER_EXITED');
    expect(error.retryable).toBe(false);
    expect(error.cause).toBe(cause);
    expect(error).toMatchObject({ taskName: 't', taskId: 'i', backend: 'local', attempts: 3 });
    expect(isOffloadError(error, 'ERR_WORKER_EXITED')).toBe(true);
    expect(isOffloadError(error, 'ERR_BACKEND')).toBe(false);
  });

  it('keeps class-specific fields', () => {
    const byName = Object.fromEntries(instances.map(([name, error]) => [name, error]));
    expect((byName.ValidationError as ValidationError).path).toBe('local.maxWorkers');
    expect((byName.SerializationError as SerializationError).path).toBe('input.cb');
    expect(byName.PayloadTooLargeError).toMatchObject({ sizeBytes: 10, limitBytes: 5 });
    expect((byName.TimeoutError as TimeoutError).timeoutMs).toBe(100);
    expect(byName.StaleBundleError).toMatchObject({ expectedHash: 'a', actualHash: 'b' });
  });
});

describe('isOffloadError', () => {
  it('recognises an error from another installed copy by its global brand', () => {
    // A second copy of spillway has its own classes, so instanceof fails, but the brand is global.
    class ForeignOffloadError extends Error {
      code = 'ERR_TIMEOUT';
      retryable = false;
    }
    const foreign = new ForeignOffloadError('from another copy');
    Object.defineProperty(foreign, BRAND, { value: true });
    expect(foreign).not.toBeInstanceOf(OffloadError);
    expect(isOffloadError(foreign)).toBe(true);
    expect(isOffloadError(foreign, 'ERR_TIMEOUT')).toBe(true);
    expect(isOffloadError(foreign, 'ERR_ABORTED')).toBe(false);
  });

  it('recognises a plain branded object', () => {
    expect(isOffloadError({ [BRAND]: true, code: 'ERR_X' }, 'ERR_X')).toBe(true);
  });

  it('is false for plain errors, look-alikes and non-objects', () => {
    expect(isOffloadError(new Error('plain'))).toBe(false);
    expect(isOffloadError(Object.assign(new Error('look-alike'), { code: 'ERR_TIMEOUT', retryable: false }))).toBe(false);
    expect(isOffloadError(Object.assign(new Error('x'), { code: 'ERR_TIMEOUT' }), 'ERR_TIMEOUT')).toBe(false);
    expect(isOffloadError({ [BRAND]: 'yes' })).toBe(false);
    expect(isOffloadError({ [Symbol('spillway.OffloadError')]: true })).toBe(false);
    expect(isOffloadError(null)).toBe(false);
    expect(isOffloadError(undefined)).toBe(false);
    expect(isOffloadError('ERR_TIMEOUT')).toBe(false);
  });
});

describe('OffloadErrorCode', () => {
  it('types every code', () => {
    expectTypeOf<OffloadError['code']>().toEqualTypeOf<OffloadErrorCode>();
    expectTypeOf<'ERR_BACKEND_UNREACHABLE'>().toExtend<OffloadErrorCode>();
    expectTypeOf<'ERR_BACKEND_HTTP_503'>().toExtend<OffloadErrorCode>();
    expectTypeOf<'ERR_LAMBDA_NETWORK'>().not.toExtend<OffloadErrorCode>();
  });
});
