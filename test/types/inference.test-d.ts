/**
 * Type-level tests of what `offloadable`, `run`, `map` and `stream` infer. Vitest's
 * typecheck mode (vitest.config.ts) checks this file with tsc; nothing here runs.
 */
import { describe, expectTypeOf, test } from 'vitest';
import * as z from 'zod';
import {
  type Offloadable,
  type OffloadError,
  type Offloader,
  offloadable,
  type StreamResult,
  type TaskEventInfo,
  type TaskInput,
  type TaskOutput,
} from '../../src/index.js';

declare const offloader: Offloader;

const withSchemas = offloadable(
  { name: 'with-schemas', input: z.object({ text: z.string(), rounds: z.number().default(1) }), output: z.object({ digest: z.string() }) },
  async ({ text, rounds }) => ({ digest: text.repeat(rounds), extra: true }),
);

const inputSchemaOnly = offloadable({ name: 'input-only', input: z.object({ n: z.number() }) }, ({ n }) => n * 2);

const noSchemas = offloadable('no-schemas', async (input: { a: string; b?: number }) => [input.a, input.b ?? 0] as const);

describe('offloadable', () => {
  test('input comes from the input schema (its z.input: defaults optional), output from the output schema', () => {
    expectTypeOf(withSchemas).toEqualTypeOf<Offloadable<{ text: string; rounds?: number | undefined }, { digest: string }>>();
    expectTypeOf<TaskInput<typeof withSchemas>>().toEqualTypeOf<{ text: string; rounds?: number | undefined }>();
    expectTypeOf<TaskOutput<typeof withSchemas>>().toEqualTypeOf<{ digest: string }>();
  });

  test('the function receives the parsed input (z.output: defaults applied)', () => {
    offloadable({ name: 'parsed', input: z.object({ rounds: z.number().default(1) }) }, (input) => {
      expectTypeOf(input).toEqualTypeOf<{ rounds: number }>();
    });
  });

  test('without an output schema the output is the awaited return type of the function', () => {
    expectTypeOf<TaskInput<typeof inputSchemaOnly>>().toEqualTypeOf<{ n: number }>();
    expectTypeOf<TaskOutput<typeof inputSchemaOnly>>().toEqualTypeOf<number>();
  });

  test('without schemas input and output come from the function', () => {
    expectTypeOf<TaskInput<typeof noSchemas>>().toEqualTypeOf<{ a: string; b?: number }>();
    expectTypeOf<TaskOutput<typeof noSchemas>>().toEqualTypeOf<readonly [string, number]>();
  });

  test('an inline call takes the input and resolves to the output', () => {
    expectTypeOf(withSchemas).parameter(0).toEqualTypeOf<{ text: string; rounds?: number | undefined }>();
    expectTypeOf(withSchemas).returns.toEqualTypeOf<Promise<{ digest: string }>>();
    // @ts-expect-error `text` must be a string
    void withSchemas({ text: 1 });
  });
});

describe('Offloader.run', () => {
  test('resolves to the task output', () => {
    expectTypeOf(offloader.run(withSchemas, { text: 'a' })).toEqualTypeOf<Promise<{ digest: string }>>();
    expectTypeOf(offloader.run(inputSchemaOnly, { n: 1 })).toEqualTypeOf<Promise<number>>();
    expectTypeOf(offloader.run(noSchemas, { a: 'x' })).toEqualTypeOf<Promise<readonly [string, number]>>();
  });

  test('rejects wrong inputs', () => {
    // @ts-expect-error `text` is missing
    void offloader.run(withSchemas, { rounds: 2 });
    // @ts-expect-error `n` must be a number
    void offloader.run(inputSchemaOnly, { n: '1' });
    // @ts-expect-error `a` must be a string
    void offloader.run(noSchemas, { a: 1 });
    // @ts-expect-error the input is an object, not an array of them
    void offloader.run(inputSchemaOnly, [{ n: 1 }]);
  });
});

describe('Offloader.map', () => {
  test('resolves to an array of the task output', () => {
    expectTypeOf(offloader.map(withSchemas, [{ text: 'a' }, { text: 'b', rounds: 2 }])).toEqualTypeOf<Promise<{ digest: string }[]>>();
    expectTypeOf(offloader.map(inputSchemaOnly, new Set([{ n: 1 }]))).toEqualTypeOf<Promise<number[]>>();
  });

  test('rejects wrong inputs', () => {
    // @ts-expect-error one element has `n` as a string
    void offloader.map(inputSchemaOnly, [{ n: 1 }, { n: '2' }]);
    // @ts-expect-error map takes an iterable of inputs, not one input
    void offloader.map(inputSchemaOnly, { n: 1 });
  });

  test('types `affinityKey` by the task input', () => {
    void offloader.map(inputSchemaOnly, [{ n: 1 }], {
      affinityKey: (input, index) => {
        expectTypeOf(input).toEqualTypeOf<{ n: number }>();
        expectTypeOf(index).toEqualTypeOf<number>();
        return String(input.n);
      },
    });
    // @ts-expect-error the input has no `text`
    void offloader.stream(inputSchemaOnly, [{ n: 1 }], { affinityKey: (input) => input.text });
  });
});

describe('Offloader.stream', () => {
  test('yields StreamResult items of the task output, narrowed by `ok`', async () => {
    const stream = offloader.stream(withSchemas, [{ text: 'a' }]);
    expectTypeOf(stream).toEqualTypeOf<AsyncIterableIterator<StreamResult<{ digest: string }>>>();
    for await (const item of offloader.stream(inputSchemaOnly, new Set([{ n: 1 }]))) {
      expectTypeOf(item.index).toEqualTypeOf<number>();
      expectTypeOf(item.info).toEqualTypeOf<TaskEventInfo>();
      if (item.ok) expectTypeOf(item.value).toEqualTypeOf<number>();
      else expectTypeOf(item.error).toEqualTypeOf<OffloadError>();
    }
  });

  test('rejects wrong inputs and map-only options', () => {
    // @ts-expect-error one element has `n` as a string
    void offloader.stream(inputSchemaOnly, [{ n: 1 }, { n: '2' }]);
    // @ts-expect-error a stream yields failures as items: there is no stopOnError
    void offloader.stream(inputSchemaOnly, [{ n: 1 }], { stopOnError: false });
  });
});

describe('affinity and dataRegion', () => {
  test('their input is the task input: from the schema, or from the function without one', () => {
    offloadable(
      {
        name: 'keyed-schema',
        input: z.object({ user: z.string() }),
        affinity: (input) => {
          expectTypeOf(input).toEqualTypeOf<{ user: string }>();
          return input.user;
        },
        dataRegion: (input) => ({ region: input.user, bytes: 1 }),
      },
      ({ user }) => user,
    );
    const keyed = offloadable({ name: 'keyed', affinity: (input: { key: string }) => input.key }, (input: { key: string }) => input.key.length);
    expectTypeOf<TaskInput<typeof keyed>>().toEqualTypeOf<{ key: string }>();
    // @ts-expect-error: a key is a string
    offloadable({ name: 'bad-key', input: z.object({ n: z.number() }), affinity: (input) => input.n }, ({ n }) => n);
  });
});
