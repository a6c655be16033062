// createLambdaHandler called directly with envelopes, as Lambda would call
// it: no server, no threads.
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { BUNDLE_HASH_ENV, createLambdaHandler, type LambdaContextLike } from '../../adapters/aws-lambda/handler.js';
import { decodeError, deserialize, ENVELOPE_VERSION, hashTaskModule, type ResultEnvelope, serialize, type TaskEnvelope } from '../../src/contract/index.js';
import { offloadable, StaleBundleError, TaskError, TimeoutError, ValidationError } from '../../src/index.js';

const aborted: unknown[] = [];

const tasks = {
  echo: offloadable('echo', (value: unknown) => value),
  fails: offloadable('fails', (quota: number) => {
    throw Object.assign(new RangeError(`quota ${quota} exceeded`), { code: 'E_QUOTA', quota });
  }),
  double: offloadable({ name: 'double', input: z.object({ n: z.number().int() }) }, ({ n }) => n * 2),
  waitForAbort: offloadable(
    'waitForAbort',
    (_: null, { signal }) =>
      new Promise((_, reject) => {
        signal.addEventListener('abort', () => {
          aborted.push(signal.reason);
          reject(signal.reason);
        });
      }),
  ),
  notATask: () => 'never runs',
};

function envelope(task: string, input: unknown, extra: Partial<TaskEnvelope> = {}): TaskEnvelope {
  return { version: ENVELOPE_VERSION, id: `id-${task}`, task, bundleHash: 'hash-1', attempt: 1, input: serialize(input, 'input'), ...extra };
}

function failureOf(result: ResultEnvelope): Extract<ResultEnvelope, { ok: false }> {
  if (result.ok) throw new Error(`expected a failure, got ${result.output}`);
  return result;
}

function contextWith(remainingMs: number): LambdaContextLike {
  return { getRemainingTimeInMillis: () => remainingMs };
}

afterEach(() => {
  vi.unstubAllEnvs();
  aborted.length = 0;
});

describe('createLambdaHandler with a module namespace', () => {
  const handler = createLambdaHandler(tasks, { bundleHash: 'hash-1' });

  it('runs a task and answers with its encoded output', async () => {
    const value = { when: new Date(0), big: 10n, set: new Set([1]) };
    const result = await handler(envelope('echo', value));
    expect(result.ok).toBe(true);
    expect(result.ok && deserialize(result.output)).toEqual(value);
  });

  it("answers a task's own error as data, with its fields", async () => {
    const failed = failureOf(await handler(envelope('fails', 3)));
    expect(failed.kind).toBe('task');
    const error = decodeError(failed.kind, failed.error, {});
    expect(error).toBeInstanceOf(TaskError);
    expect(error.name).toBe('RangeError');
    expect(error.code).toBe('E_QUOTA');
    expect((error as TaskError & { quota: number }).quota).toBe(3);
  });

  it('validates the input with the task schema', async () => {
    const failed = failureOf(await handler(envelope('double', { n: 1.5 })));
    expect(failed.kind).toBe('validation');
    expect(failed.error.path).toBe('input.n');
  });

  it('runs only offloadable exports: a plain function export is an unknown task', async () => {
    const failed = failureOf(await handler(envelope('notATask', null)));
    expect(failed.kind).toBe('unknown-task');
    expect(failed.error.message).toContain('"echo"');
  });

  it('answers another bundle hash as stale', async () => {
    const failed = failureOf(await handler(envelope('echo', 1, { bundleHash: 'hash-0' })));
    expect(failed.kind).toBe('stale-bundle');
    const error = decodeError(failed.kind, failed.error, {});
    expect(error).toBeInstanceOf(StaleBundleError);
    expect((error as StaleBundleError).actualHash).toBe('hash-1');
  });

  it('answers events that are no envelope without throwing', async () => {
    for (const event of [null, 'text', [1], { version: ENVELOPE_VERSION, id: 'x' }]) {
      const failed = failureOf(await handler(event));
      expect(failed.kind).toBe('bad-envelope');
    }
  });

  it("enforces the envelope's timeoutMs and aborts the task's signal", async () => {
    const failed = failureOf(await handler(envelope('waitForAbort', null, { timeoutMs: 20 }), contextWith(600_000)));
    expect(failed.kind).toBe('timeout');
    const error = decodeError(failed.kind, failed.error, {});
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).timeoutMs).toBe(20);
    expect(error.message).toContain('timeoutMs of 20 ms');
    expect(aborted).toHaveLength(1);
  });

  it("answers a timeout that names the function's own timeout when its remaining time is the tighter limit", async () => {
    const withReserve = createLambdaHandler(tasks, { bundleHash: 'hash-1', responseReserveMs: 100 });
    const failed = failureOf(await withReserve(envelope('waitForAbort', null, { timeoutMs: 60_000 }), contextWith(130)));
    expect(failed.kind).toBe('timeout');
    const error = decodeError(failed.kind, failed.error, {});
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).timeoutMs).toBe(30);
    expect(error.message).toContain("Lambda function's own timeout");
    expect(error.message).toContain('Raise the function');
    expect(aborted).toHaveLength(1);
  });

  it('applies the remaining time to a task without a timeoutMs', async () => {
    const withReserve = createLambdaHandler(tasks, { bundleHash: 'hash-1', responseReserveMs: 0 });
    const failed = failureOf(await withReserve(envelope('waitForAbort', null), contextWith(10)));
    expect(failed.kind).toBe('timeout');
    expect(decodeError(failed.kind, failed.error, {}).message).toContain("Lambda function's own timeout");
  });

  it('leaves a task alone when the function has time to spare', async () => {
    const result = await handler(envelope('echo', 'fast'), contextWith(600_000));
    expect(result.ok && deserialize(result.output)).toBe('fast');
  });
});

describe('createLambdaHandler bundle hash', () => {
  it(`reads the hash from ${BUNDLE_HASH_ENV}`, async () => {
    vi.stubEnv(BUNDLE_HASH_ENV, 'from-env');
    const handler = createLambdaHandler(tasks);
    expect((await handler(envelope('echo', 1, { bundleHash: 'from-env' }))).ok).toBe(true);
    expect(failureOf(await handler(envelope('echo', 1))).kind).toBe('stale-bundle');
  });

  it('refuses a namespace without any hash, saying how to give one', () => {
    vi.stubEnv(BUNDLE_HASH_ENV, '');
    expect(() => createLambdaHandler(tasks)).toThrow(ValidationError);
    expect(() => createLambdaHandler(tasks)).toThrow(/`bundleHash`.*SPILLWAY_BUNDLE_HASH.*URL/);
  });

  it('refuses something that is neither a URL nor a namespace', () => {
    expect(() => createLambdaHandler(42 as unknown as URL)).toThrow(
      /Expected `taskModule` of createLambdaHandler to be the task module's URL or path, or its namespace object/,
    );
  });

  it('refuses a namespace without tasks, as the Cloud Functions handler does', () => {
    expect(() => createLambdaHandler({ notATask: 1 }, { bundleHash: 'h' })).toThrow(/exports no offloadable tasks/);
  });

  it('refuses a negative responseReserveMs, naming the option', () => {
    expect(() => createLambdaHandler(tasks, { bundleHash: 'h', responseReserveMs: -1 })).toThrow(/`responseReserveMs`.*>= 0, got -1/);
  });
});

describe('createLambdaHandler with a module URL', () => {
  const tasksUrl = new URL('../fixtures/tasks.ts', import.meta.url);

  it("imports the module and serves it under the file's content hash", async () => {
    const handler = createLambdaHandler(tasksUrl);
    const result = await handler(envelope('echo', [1, 2], { bundleHash: hashTaskModule(tasksUrl) }));
    expect(result.ok && deserialize(result.output)).toEqual([1, 2]);
    expect(failureOf(await handler(envelope('echo', 1))).kind).toBe('stale-bundle');
  });

  it('accepts a path and an explicit hash that overrides the file hash', async () => {
    const handler = createLambdaHandler(tasksUrl.pathname, { bundleHash: 'deployed-hash' });
    expect((await handler(envelope('echo', 1, { bundleHash: 'deployed-hash' }))).ok).toBe(true);
  });

  it('throws from every invocation while the module cannot be loaded, naming it', async () => {
    const missing = new URL('../fixtures/no-such-module.mjs', import.meta.url);
    const handler = createLambdaHandler(missing);
    await expect(handler(envelope('echo', 1))).rejects.toThrow(`spillway could not load the task module ${missing.href}`);
    await expect(handler(envelope('echo', 1))).rejects.toThrow('no-such-module.mjs');
  });
});
