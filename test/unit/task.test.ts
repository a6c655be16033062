import { describe, expect, expectTypeOf, it } from 'vitest';
import * as z from 'zod';
import { isOffloadable, type Offloadable, offloadable, type TaskInput, type TaskOutput, ValidationError } from '../../src/index.js';

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

describe('offloadable: schema form', () => {
  it('validates the input before running: the task function is not called', async () => {
    let calls = 0;
    const digest = offloadable({ name: 'digest', input: z.object({ text: z.string(), rounds: z.number().int().min(1) }) }, ({ text, rounds }) => {
      calls++;
      return text.repeat(rounds);
    });
    const error = await digest({ text: 'a', rounds: 0 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).path).toBe('input.rounds');
    expect((error as ValidationError).code).toBe('ERR_INVALID_INPUT');
    expect((error as ValidationError).taskName).toBe('digest');
    expect((error as ValidationError).message).toContain('input.rounds');
    expect(calls).toBe(0);

    await expect(digest({ text: 'ab', rounds: 3 })).resolves.toBe('ababab');
    expect(calls).toBe(1);
  });

  it('names nested paths of invalid input', async () => {
    const sum = offloadable({ name: 'sum', input: z.object({ items: z.array(z.object({ qty: z.number().int().positive() })) }) }, ({ items }) =>
      items.reduce((total, item) => total + item.qty, 0),
    );
    const error = (await sum({ items: [{ qty: 1 }, { qty: 2 }, { qty: 3 }, { qty: -1 }] }).catch((caught: unknown) => caught)) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.path).toBe('input.items[3].qty');
  });

  it('passes the parsed input (with schema defaults and transforms) to the function', async () => {
    const greet = offloadable(
      { name: 'greet', input: z.object({ name: z.string().trim(), punctuation: z.string().default('!') }) },
      ({ name, punctuation }) => `hi ${name}${punctuation}`,
    );
    await expect(greet({ name: '  ann ' })).resolves.toBe('hi ann!');
  });

  it('validates the output after running', async () => {
    let calls = 0;
    const bad = offloadable({ name: 'bad', output: z.number() }, () => {
      calls++;
      return 'not a number' as unknown as number;
    });
    const error = (await bad(undefined as never).catch((caught: unknown) => caught)) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe('ERR_INVALID_OUTPUT');
    expect(error.path).toBe('output');
    expect(calls).toBe(1);
  });

  it('returns the result of an async function', async () => {
    const add = offloadable({ name: 'add', input: z.object({ a: z.number(), b: z.number() }), output: z.number() }, async ({ a, b }) => a + b);
    await expect(add({ a: 2, b: 3 })).resolves.toBe(5);
  });

  it('rejects (does not throw synchronously) when the function throws', async () => {
    const boom = offloadable('boom', () => {
      throw new RangeError('boom');
    });
    const pending = boom(undefined as never);
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).rejects.toThrow(RangeError);
  });

  it('passes an inline context', async () => {
    const ctx = offloadable('ctx', (_: null, context) => ({ taskId: context.taskId, attempt: context.attempt, aborted: context.signal.aborted }));
    await expect(ctx(null)).resolves.toEqual({ taskId: '', attempt: 1, aborted: false });
  });

  it('carries the definition with defaults applied', () => {
    const task = offloadable({ name: 'defaults' }, () => 1);
    expect(task.definition.name).toBe('defaults');
    expect(task.definition.idempotent).toBe(true);
    expect(task.definition.retries).toBe(0);
    expect(task.definition.timeoutMs).toBeUndefined();
    expect(Object.isFrozen(task.definition)).toBe(true);
    expect(task.name).toBe('defaults');
    expect(isOffloadable(task)).toBe(true);
  });

  it('keeps explicit definition values', () => {
    const task = offloadable({ name: 'explicit', idempotent: false, retries: 3, timeoutMs: 250, memoryMb: 512, expectedDurationMs: 0 }, () => 1);
    expect(task.definition).toMatchObject({ name: 'explicit', idempotent: false, retries: 3, timeoutMs: 250, memoryMb: 512, expectedDurationMs: 0 });
  });
});

describe('offloadable: shorthand form', () => {
  it('takes a name and a function and runs inline', async () => {
    const triple = offloadable('triple', (n: number) => n * 3);
    expect(triple.definition).toMatchObject({ name: 'triple', idempotent: true, retries: 0 });
    expect(triple.definition.input).toBeUndefined();
    await expect(triple(7)).resolves.toBe(21);
  });
});

describe('offloadable: definition checks', () => {
  it.each(['', '1abc', 'has space', '-dash', 'a'.repeat(129), 'emoji😀'])('refuses the name %j', (name) => {
    const error = catchError(() => offloadable(name, () => 1));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).path).toBe('name');
  });

  it('refuses a non-string name', () => {
    expect(catchError(() => offloadable({ name: 42 as unknown as string }, () => 1))).toBeInstanceOf(ValidationError);
  });

  it('accepts names with letters, digits, "_", "." and "-" up to 128 characters', () => {
    expect(() => offloadable('a'.repeat(128), () => 1)).not.toThrow();
    expect(() => offloadable('images.resize_v2-fast', () => 1)).not.toThrow();
  });

  it('refuses negative or fractional retries', () => {
    const negative = catchError(() => offloadable({ name: 'r', retries: -1 }, () => 1)) as ValidationError;
    expect(negative).toBeInstanceOf(ValidationError);
    expect(negative.path).toBe('retries');
    expect(negative.message).toContain('-1');
    expect(catchError(() => offloadable({ name: 'r', retries: 1.5 }, () => 1))).toBeInstanceOf(ValidationError);
  });

  it('refuses timeoutMs 0, negative and NaN', () => {
    const zero = catchError(() => offloadable({ name: 't', timeoutMs: 0 }, () => 1)) as ValidationError;
    expect(zero).toBeInstanceOf(ValidationError);
    expect(zero.path).toBe('timeoutMs');
    expect(catchError(() => offloadable({ name: 't', timeoutMs: -5 }, () => 1))).toBeInstanceOf(ValidationError);
    expect(catchError(() => offloadable({ name: 't', timeoutMs: Number.NaN }, () => 1))).toBeInstanceOf(ValidationError);
  });

  it('names field, value and expectation in the usual form', () => {
    const error = catchError(() => offloadable({ name: 't', timeoutMs: 0 }, () => 1)) as ValidationError;
    expect(error.message).toBe('Invalid definition of task "t": Expected `timeoutMs` to be >= 1, got 0');
    const fractional = catchError(() => offloadable({ name: 'r', retries: 1.5 }, () => 1)) as ValidationError;
    expect(fractional.message).toBe('Invalid definition of task "r": Expected `retries` to be an integer, got 1.5');
    expect(fractional.path).toBe('retries');
  });

  it('refuses a missing task function', () => {
    const error = catchError(() => offloadable('nofn', undefined as unknown as () => void)) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.path).toBe('fn');
  });
});

describe('offloadable: types', () => {
  it('infers the input type from the zod schema and the output from the function', () => {
    const digest = offloadable({ name: 'digest', input: z.object({ text: z.string(), rounds: z.number() }) }, ({ text, rounds }) => text.length + rounds);
    expectTypeOf(digest).parameter(0).toEqualTypeOf<{ text: string; rounds: number }>();
    expectTypeOf(digest).returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf<TaskInput<typeof digest>>().toEqualTypeOf<{ text: string; rounds: number }>();
    expectTypeOf<TaskOutput<typeof digest>>().toEqualTypeOf<number>();
    // @ts-expect-error rounds must be a number
    void digest({ text: 'a', rounds: '1' }).catch(() => undefined);
  });

  it('uses the input side of a schema with defaults, and the output schema for the result', () => {
    const task = offloadable({ name: 'withDefault', input: z.object({ n: z.number().default(1) }), output: z.string() }, ({ n }) => {
      expectTypeOf(n).toEqualTypeOf<number>();
      return String(n);
    });
    expectTypeOf(task).parameter(0).toEqualTypeOf<{ n?: number | undefined }>();
    expectTypeOf(task).returns.resolves.toEqualTypeOf<string>();
  });

  it('infers shorthand types from the function', () => {
    const len = offloadable('len', async (text: string) => text.length);
    expectTypeOf(len).toEqualTypeOf<Offloadable<string, number>>();
  });
});
