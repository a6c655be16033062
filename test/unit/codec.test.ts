import { describe, expect, it } from 'vitest';
import { deserialize, serialize } from '../../src/contract/index.js';
import { isOffloadError, SerializationError } from '../../src/index.js';

function roundTrip<T>(value: T): T {
  return deserialize(serialize(value, 'input')) as T;
}

function refusal(value: unknown): SerializationError {
  try {
    serialize(value, 'input');
  } catch (error) {
    expect(error).toBeInstanceOf(SerializationError);
    expect(isOffloadError(error, 'ERR_SERIALIZATION')).toBe(true);
    return error as SerializationError;
  }
  throw new Error('serialize() accepted a value it must refuse');
}

describe('serialize/deserialize round trips', () => {
  it('keeps a Date', () => {
    const back = roundTrip(new Date('2024-02-29T12:34:56.789Z'));
    expect(back).toBeInstanceOf(Date);
    expect(back.toISOString()).toBe('2024-02-29T12:34:56.789Z');
  });

  it('keeps BigInts, including ones beyond Number.MAX_SAFE_INTEGER and negative ones', () => {
    const back = roundTrip({ big: 12345678901234567890123n, negative: -42n, zero: 0n });
    expect(typeof back.big).toBe('bigint');
    expect(back).toEqual({ big: 12345678901234567890123n, negative: -42n, zero: 0n });
  });

  it('keeps a Map with non-string keys and insertion order', () => {
    const key = { id: 1 };
    const back = roundTrip(
      new Map<unknown, unknown>([
        ['b', 2],
        [1, 'one'],
        [key, [1, 2]],
      ]),
    );
    expect(back).toBeInstanceOf(Map);
    expect([...back.keys()]).toEqual(['b', 1, { id: 1 }]);
    expect(back.get('b')).toBe(2);
    expect(back.get(1)).toBe('one');
  });

  it('keeps a Set and its order', () => {
    const back = roundTrip(new Set(['z', 3, 'a']));
    expect(back).toBeInstanceOf(Set);
    expect([...back]).toEqual(['z', 3, 'a']);
  });

  it('keeps undefined as an object value (the key stays present)', () => {
    const back = roundTrip({ present: 1, missing: undefined });
    expect(Object.keys(back).sort()).toEqual(['missing', 'present']);
    expect('missing' in back).toBe(true);
    expect(back.missing).toBeUndefined();
  });

  it('keeps undefined as an array element', () => {
    const back = roundTrip([1, undefined, 3]);
    expect(back).toHaveLength(3);
    expect(back[1]).toBeUndefined();
    expect(back).toEqual([1, undefined, 3]);
  });

  it('keeps undefined at the top level', () => {
    expect(roundTrip(undefined)).toBeUndefined();
  });

  it('keeps NaN, Infinity and -Infinity (and -0)', () => {
    const back = roundTrip({ nan: Number.NaN, inf: Number.POSITIVE_INFINITY, ninf: Number.NEGATIVE_INFINITY, negZero: -0 });
    expect(Number.isNaN(back.nan)).toBe(true);
    expect(back.inf).toBe(Number.POSITIVE_INFINITY);
    expect(back.ninf).toBe(Number.NEGATIVE_INFINITY);
    expect(Object.is(back.negZero, -0)).toBe(true);
  });

  it('keeps typed arrays with their element type', () => {
    const back = roundTrip({
      u8: new Uint8Array([0, 1, 254, 255]),
      f64: new Float64Array([1.5, -2.25, Number.MAX_VALUE]),
      i64: new BigInt64Array([1n, -2n, 9007199254740993n]),
    });
    expect(back.u8).toBeInstanceOf(Uint8Array);
    expect([...back.u8]).toEqual([0, 1, 254, 255]);
    expect(back.f64).toBeInstanceOf(Float64Array);
    expect([...back.f64]).toEqual([1.5, -2.25, Number.MAX_VALUE]);
    expect(back.i64).toBeInstanceOf(BigInt64Array);
    expect([...back.i64]).toEqual([1n, -2n, 9007199254740993n]);
  });

  it('brings a Buffer back as a Buffer with the same bytes', () => {
    const buffer = Buffer.from([0, 1, 2, 250, 255]);
    const back = roundTrip({ buffer });
    expect(Buffer.isBuffer(back.buffer)).toBe(true);
    expect(back.buffer.equals(buffer)).toBe(true);
    const top = roundTrip(Buffer.from('héllo', 'utf8'));
    expect(Buffer.isBuffer(top)).toBe(true);
    expect(top.toString('utf8')).toBe('héllo');
  });

  it('keeps a Buffer that is a view on part of a larger ArrayBuffer', () => {
    const whole = Buffer.from('0123456789');
    const slice = whole.subarray(3, 6);
    const back = roundTrip(slice);
    expect(Buffer.isBuffer(back)).toBe(true);
    expect(back.toString()).toBe('345');
  });

  it('keeps nested structures of every kind', () => {
    const value = {
      list: [{ when: new Date(0), tags: new Set(['a', 'b']) }, [[1, [2, [3, undefined]]]]],
      lookup: new Map<string, unknown>([['inner', { bytes: new Uint8Array([9]), big: 7n, deeper: new Map([[1, new Set([NaN])]]) }]]),
      text: 'ünïcødé \u0000 "quotes"',
      flags: [true, false, null],
    };
    const back = roundTrip(value);
    expect(back).toEqual(value);
    expect(back.list[0]).toMatchObject({ when: new Date(0) });
    const inner = back.lookup.get('inner') as { deeper: Map<number, Set<number>> };
    expect(Number.isNaN([...(inner.deeper.get(1) as Set<number>)][0])).toBe(true);
  });

  it('keeps shared (non-cyclic) references shared', () => {
    const shared = { n: 1 };
    const back = roundTrip({ a: shared, b: shared, list: [shared, shared] });
    expect(back.a).toEqual({ n: 1 });
    expect(back.a).toBe(back.b);
    expect(back.list[0]).toBe(back.a);
    expect(back.list[1]).toBe(back.a);
  });

  it('accepts the same object twice in sibling positions without calling it a cycle', () => {
    const leaf = [1, 2];
    expect(() => serialize({ x: { leaf }, y: { leaf } }, 'input')).not.toThrow();
  });
});

describe('serialize refusals', () => {
  it('names the exact path of a function inside an array element', () => {
    const error = refusal({ items: [{}, {}, {}, { cb: () => 1 }] });
    expect(error.path).toBe('input.items[3].cb');
    expect(error.message).toContain('input.items[3].cb');
    expect(error.retryable).toBe(false);
  });

  it('refuses a symbol value and names its path', () => {
    const error = refusal({ meta: { tag: Symbol('tag') } });
    expect(error.path).toBe('input.meta.tag');
  });

  it('refuses a function or symbol at the top level', () => {
    expect(refusal(() => 1).path).toBe('input');
    expect(refusal(Symbol('s')).path).toBe('input');
  });

  it('refuses a cycle and names where it closes', () => {
    const a: Record<string, unknown> = { n: 1 };
    a.self = a;
    const error = refusal(a);
    expect(error.path).toBe('input.self');
    expect(error.message).toMatch(/cycle/i);
  });

  it('refuses a deeper cycle through an array', () => {
    const parent: { children: unknown[] } = { children: [] };
    parent.children.push({ parent });
    expect(refusal(parent).path).toBe('input.children[0].parent');
  });

  it('refuses a class instance and names the class', () => {
    const error = refusal({ value: new (class Foo {})() });
    expect(error.path).toBe('input.value');
    expect(error.message).toContain('Foo');
    expect(refusal(new (class Foo {})()).path).toBe('input');
  });

  it('names paths inside Maps', () => {
    const error = refusal({ m: new Map([['k', { fn: () => 1 }]]) });
    expect(error.path).toContain('input.m');
    expect(error.path).toContain('"k"');
    expect(error.path.endsWith('.fn')).toBe(true);
  });

  it('quotes keys that are not identifiers', () => {
    expect(refusal({ 'a key': () => 1 }).path).toBe('input["a key"]');
  });

  it('uses the given root path', () => {
    try {
      serialize({ cb: () => 1 }, 'output');
      expect.unreachable();
    } catch (error) {
      expect((error as SerializationError).path).toBe('output.cb');
    }
  });
});
