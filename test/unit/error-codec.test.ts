import { describe, expect, it } from 'vitest';
import { decodeError, type EncodedError, encodeError } from '../../src/contract/index.js';
import { isOffloadError, OffloadError, SerializationError, StaleBundleError, TaskError, TimeoutError, ValidationError } from '../../src/index.js';

class QuotaError extends Error {
  code = 'E_QUOTA';
  quota: number;
  resetAt: Date;
  constructor(message: string, quota: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QuotaError';
    this.quota = quota;
    this.resetAt = new Date('2030-01-01T00:00:00.000Z');
  }
}

/** Encodes and sends through JSON, as a real boundary would. */
function overTheWire(error: unknown): EncodedError {
  return JSON.parse(JSON.stringify(encodeError(error))) as EncodedError;
}

function sampleError(): QuotaError {
  const root = Object.assign(new RangeError('disk full'), { code: 'ENOSPC', device: 'sda' });
  const middle = new TypeError('write failed', { cause: root });
  return new QuotaError('quota of 5 exceeded', 5, { cause: middle });
}

describe('encodeError/decodeError', () => {
  it('keeps name, message, stack and code of a task error', () => {
    const original = sampleError();
    const decoded = decodeError('task', overTheWire(original), {});
    expect(decoded.name).toBe('QuotaError');
    expect(decoded.message).toBe('quota of 5 exceeded');
    expect(decoded.stack).toBe(original.stack);
    expect(decoded.code).toBe('E_QUOTA');
  });

  it('keeps own enumerable custom fields, a Date field as a Date', () => {
    const decoded = decodeError('task', overTheWire(sampleError()), {}) as TaskError & { quota: number; resetAt: Date };
    expect(decoded.quota).toBe(5);
    expect(decoded.resetAt).toBeInstanceOf(Date);
    expect(decoded.resetAt.toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });

  it('keeps a two-level cause chain with names, messages, codes and fields', () => {
    const decoded = decodeError('task', overTheWire(sampleError()), {});
    const middle = decoded.cause as Error & { cause: Error & { code: string; device: string } };
    expect(middle).toBeInstanceOf(Error);
    expect(middle.name).toBe('TypeError');
    expect(middle.message).toBe('write failed');
    const root = middle.cause;
    expect(root).toBeInstanceOf(Error);
    expect(root.name).toBe('RangeError');
    expect(root.message).toBe('disk full');
    expect(root.code).toBe('ENOSPC');
    expect(root.device).toBe('sda');
    expect(root.cause).toBeUndefined();
  });

  it('keeps a non-error cause value', () => {
    const decoded = decodeError('task', overTheWire(new Error('outer', { cause: { status: 503, at: new Date(5) } })), {});
    expect(decoded.cause).toEqual({ status: 503, at: new Date(5) });
  });

  it('encodes a thrown non-error value', () => {
    const encoded = overTheWire('just a string');
    expect(encoded.message).toBe('just a string');
    const decoded = decodeError('task', overTheWire(42), {});
    expect(decoded).toBeInstanceOf(TaskError);
    expect(decoded.message).toContain('42');
  });

  it('encodes a field that cannot be serialized as its string form instead of failing', () => {
    const error = Object.assign(new Error('with callback'), { callback: () => 1, ok: 1 });
    const decoded = decodeError('task', overTheWire(error), {}) as TaskError & { callback: unknown; ok: number };
    expect(decoded.ok).toBe(1);
    expect(typeof decoded.callback).toBe('string');
  });

  it("decodes kind 'task' as a TaskError that keeps the original name", () => {
    const decoded = decodeError('task', overTheWire(sampleError()), { taskName: 'quota', taskId: 'id-1', backend: 'local', attempts: 2 });
    expect(decoded).toBeInstanceOf(TaskError);
    expect(decoded).toBeInstanceOf(OffloadError);
    expect(decoded).toBeInstanceOf(Error);
    expect(isOffloadError(decoded)).toBe(true);
    expect(isOffloadError(decoded, 'E_QUOTA')).toBe(true);
    expect(decoded.name).toBe('QuotaError');
    expect(decoded.taskName).toBe('quota');
    expect(decoded.taskId).toBe('id-1');
    expect(decoded.backend).toBe('local');
    expect(decoded.attempts).toBe(2);
  });

  it("gives a task error without a code the code 'ERR_TASK'", () => {
    const decoded = decodeError('task', overTheWire(new Error('plain')), {});
    expect(decoded.code).toBe('ERR_TASK');
    expect(decoded.name).toBe('Error');
  });

  it("decodes kind 'validation' as a ValidationError with the path", () => {
    const original = new ValidationError('Invalid input', { path: 'input.rounds', code: 'ERR_INVALID_INPUT' });
    const decoded = decodeError('validation', overTheWire(original), { taskName: 't' });
    expect(decoded).toBeInstanceOf(ValidationError);
    expect(decoded.name).toBe('ValidationError');
    expect((decoded as ValidationError).path).toBe('input.rounds');
    expect(decoded.code).toBe('ERR_INVALID_INPUT');
    expect(decoded.message).toBe('Invalid input');
    expect(decoded.taskName).toBe('t');
  });

  it("decodes kind 'unknown-task' as a ValidationError with code ERR_UNKNOWN_TASK", () => {
    const decoded = decodeError('unknown-task', overTheWire(new Error('Unknown task "x"')), {});
    expect(decoded).toBeInstanceOf(ValidationError);
    expect(decoded.code).toBe('ERR_UNKNOWN_TASK');
  });

  it("decodes kind 'bad-envelope' as a ValidationError", () => {
    const decoded = decodeError('bad-envelope', overTheWire(new ValidationError('Malformed', { code: 'ERR_BAD_ENVELOPE' })), {});
    expect(decoded).toBeInstanceOf(ValidationError);
    expect(decoded.code).toBe('ERR_BAD_ENVELOPE');
  });

  it("decodes kind 'serialization' as a SerializationError with the path", () => {
    const decoded = decodeError('serialization', overTheWire(new SerializationError('no functions', { path: 'output.cb' })), {});
    expect(decoded).toBeInstanceOf(SerializationError);
    expect((decoded as SerializationError).path).toBe('output.cb');
  });

  it("decodes kind 'timeout' as a TimeoutError with timeoutMs", () => {
    const original = Object.assign(new TimeoutError('too slow', { timeoutMs: 250 }), { timeoutMs: 250 });
    const decoded = decodeError('timeout', overTheWire(original), {});
    expect(decoded).toBeInstanceOf(TimeoutError);
    expect(decoded.code).toBe('ERR_TIMEOUT');
    expect((decoded as TimeoutError).timeoutMs).toBe(250);
  });

  it("decodes kind 'stale-bundle' as a StaleBundleError with both hashes", () => {
    const original = Object.assign(new Error('stale'), { expectedHash: 'aaa', actualHash: 'bbb' });
    const decoded = decodeError('stale-bundle', overTheWire(original), {});
    expect(decoded).toBeInstanceOf(StaleBundleError);
    expect(decoded.code).toBe('ERR_STALE_BUNDLE');
    expect((decoded as StaleBundleError).expectedHash).toBe('aaa');
    expect((decoded as StaleBundleError).actualHash).toBe('bbb');
  });
});
