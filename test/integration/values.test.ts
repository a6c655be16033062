import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOffloader, isOffloadError, type Offloader, TaskError } from '../../src/index.js';
import { echo, failQuota } from '../fixtures/tasks.js';
import { rejectionOf, tasksUrl } from '../support/helpers.js';

let offloader: Offloader;

beforeAll(() => {
  offloader = createOffloader({ tasks: tasksUrl, local: { maxWorkers: 2 } });
});

afterAll(async () => {
  await offloader.destroy();
});

async function echoed<T>(value: T): Promise<T> {
  return (await offloader.run(echo, value)) as T;
}

describe('values cross the worker boundary intact', () => {
  it('Date', async () => {
    const back = await echoed(new Date('2024-02-29T12:34:56.789Z'));
    expect(back).toBeInstanceOf(Date);
    expect(back.toISOString()).toBe('2024-02-29T12:34:56.789Z');
  });

  it('BigInt', async () => {
    const back = await echoed({ big: 12345678901234567890123n, negative: -1n });
    expect(back).toEqual({ big: 12345678901234567890123n, negative: -1n });
    expect(typeof back.big).toBe('bigint');
  });

  it('Map and Set', async () => {
    const back = await echoed({
      map: new Map<unknown, unknown>([
        ['a', 1],
        [2, 'b'],
      ]),
      set: new Set(['x', 'y']),
    });
    expect(back.map).toBeInstanceOf(Map);
    expect([...back.map]).toEqual([
      ['a', 1],
      [2, 'b'],
    ]);
    expect(back.set).toBeInstanceOf(Set);
    expect([...back.set]).toEqual(['x', 'y']);
  });

  it('undefined as an object value and as an array element', async () => {
    const back = await echoed({ missing: undefined, list: [1, undefined, 3] });
    expect('missing' in back).toBe(true);
    expect(back.missing).toBeUndefined();
    expect(back.list).toHaveLength(3);
    expect(back.list).toEqual([1, undefined, 3]);
  });

  it('undefined and null at the top level', async () => {
    expect(await echoed(undefined)).toBeUndefined();
    expect(await echoed(null)).toBeNull();
  });

  it('NaN, Infinity and -Infinity', async () => {
    const back = await echoed([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(Number.isNaN(back[0])).toBe(true);
    expect(back[1]).toBe(Number.POSITIVE_INFINITY);
    expect(back[2]).toBe(Number.NEGATIVE_INFINITY);
  });

  it('typed arrays', async () => {
    const back = await echoed({ u8: new Uint8Array([1, 255]), f64: new Float64Array([0.1, -2.5]), i64: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]) });
    expect(back.u8).toBeInstanceOf(Uint8Array);
    expect([...back.u8]).toEqual([1, 255]);
    expect(back.f64).toBeInstanceOf(Float64Array);
    expect([...back.f64]).toEqual([0.1, -2.5]);
    expect(back.i64).toBeInstanceOf(BigInt64Array);
    expect([...back.i64]).toEqual([-(2n ** 63n), 2n ** 63n - 1n]);
  });

  it('Buffer comes back as a Buffer', async () => {
    const buffer = Buffer.from([0, 1, 2, 253, 254, 255]);
    const back = await echoed({ buffer, top: false });
    expect(Buffer.isBuffer(back.buffer)).toBe(true);
    expect(back.buffer.equals(buffer)).toBe(true);
    const top = await echoed(Buffer.from('héllo'));
    expect(Buffer.isBuffer(top)).toBe(true);
    expect(top.toString()).toBe('héllo');
  });

  it('nested structures with shared references', async () => {
    const shared = { id: 1, tags: new Set(['a']) };
    const value = { a: shared, b: shared, deep: [[{ when: new Date(0), lookup: new Map([['k', [shared]]]) }]] };
    const back = await echoed(value);
    expect(back).toEqual(value);
    expect(back.a).toBe(back.b);
    expect(back.deep[0][0].lookup.get('k')?.[0]).toBe(back.a);
  });
});

describe('errors cross the worker boundary intact', () => {
  it('a custom error class arrives as TaskError with its name, code, fields, cause and placement', async () => {
    const error = (await rejectionOf(offloader.run(failQuota, 5))) as TaskError & { quota: number };
    expect(error).toBeInstanceOf(TaskError);
    expect(isOffloadError(error)).toBe(true);
    expect(error.name).toBe('QuotaError');
    expect(error.message).toBe('quota of 5 exceeded');
    expect(error.code).toBe('E_QUOTA');
    expect(error.quota).toBe(5);
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).message).toBe('upstream said no');
    expect(error.stack).toContain('QuotaError');
    expect(error.backend).toBe('local');
    expect(typeof error.taskId).toBe('string');
    expect(error.taskId?.length).toBeGreaterThan(0);
    expect(error.taskName).toBe('failQuota');
    expect(error.attempts).toBe(1);
  });
});
