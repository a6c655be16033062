import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  createRuntime,
  createTaskRegistry,
  decodeError,
  deserialize,
  ENVELOPE_VERSION,
  type ResultEnvelope,
  serialize,
  type TaskEnvelope,
} from '../../src/contract/index.js';
import { offloadable, StaleBundleError, TimeoutError } from '../../src/index.js';

let doubleCalls = 0;
const abortReasons: unknown[] = [];

const taskModule = {
  double: offloadable({ name: 'double', input: z.object({ n: z.number().int().min(0) }), output: z.number() }, ({ n }) => {
    doubleCalls++;
    return n * 2;
  }),
  richEcho: offloadable('richEcho', (value: unknown) => value),
  fails: offloadable('fails', (quota: number) => {
    throw Object.assign(new RangeError(`quota ${quota} exceeded`), { code: 'E_QUOTA', quota });
  }),
  waitForAbort: offloadable(
    'waitForAbort',
    (_: null, { signal }) =>
      new Promise((_, reject) => {
        signal.addEventListener('abort', () => {
          abortReasons.push(signal.reason);
          reject(signal.reason);
        });
      }),
  ),
  quick: offloadable('quick', async (ms: number) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return 'done';
  }),
  context: offloadable('context', (_: null, { taskId, attempt }) => ({ taskId, attempt })),
  returnsFunction: offloadable('returnsFunction', () => ({ ok: true, cb: () => 1 })),
  notATask: () => 1,
  alsoNotATask: 42,
};

const runtime = createRuntime(createTaskRegistry(taskModule), { bundleHash: 'h' });

function envelope(task: string, input: unknown, extra: Partial<TaskEnvelope> = {}): TaskEnvelope {
  return { version: ENVELOPE_VERSION, id: `id-${task}`, task, bundleHash: 'h', attempt: 1, input: serialize(input, 'input'), ...extra };
}

function expectFailure(result: ResultEnvelope): Extract<ResultEnvelope, { ok: false }> {
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('expected a failure');
  return result;
}

describe('createRuntime', () => {
  it('lists the offloadable exports only', () => {
    expect([...runtime.taskNames].sort()).toEqual(['context', 'double', 'fails', 'quick', 'returnsFunction', 'richEcho', 'waitForAbort']);
    expect(runtime.bundleHash).toBe('h');
  });

  it('runs a task and answers with the encoded output', async () => {
    const result = await runtime.execute(envelope('double', { n: 21 }));
    expect(result).toMatchObject({ version: ENVELOPE_VERSION, id: 'id-double', ok: true });
    if (!result.ok) throw new Error('expected success');
    expect(deserialize(result.output)).toBe(42);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('round-trips rich values through input and output', async () => {
    const value = { when: new Date(1), big: 2n, map: new Map([['k', new Set([1])]]), missing: undefined, buf: Buffer.from('x') };
    const result = await runtime.execute(envelope('richEcho', value));
    if (!result.ok) throw new Error(`expected success, got ${result.error.message}`);
    const back = deserialize(result.output) as typeof value;
    expect(back).toEqual(value);
    expect(Buffer.isBuffer(back.buf)).toBe(true);
  });

  it('passes the envelope id and attempt as the task context', async () => {
    const result = await runtime.execute(envelope('context', null, { id: 'task-7', attempt: 3 }));
    if (!result.ok) throw new Error('expected success');
    expect(deserialize(result.output)).toEqual({ taskId: 'task-7', attempt: 3 });
  });

  it("answers a task's own error with kind 'task', keeping name, code and fields", async () => {
    const failure = expectFailure(await runtime.execute(envelope('fails', 5)));
    expect(failure.kind).toBe('task');
    expect(failure.id).toBe('id-fails');
    expect(failure.error.name).toBe('RangeError');
    expect(failure.error.message).toBe('quota 5 exceeded');
    expect(failure.error.code).toBe('E_QUOTA');
    const decoded = decodeError(failure.kind, failure.error, {}) as unknown as { quota: number; name: string };
    expect(decoded.name).toBe('RangeError');
    expect(decoded.quota).toBe(5);
  });

  it("answers an unknown task with kind 'unknown-task' listing the known tasks", async () => {
    const failure = expectFailure(await runtime.execute(envelope('nope', null)));
    expect(failure.kind).toBe('unknown-task');
    expect(failure.error.message).toContain('"nope"');
    for (const name of runtime.taskNames) expect(failure.error.message).toContain(`"${name}"`);
  });

  it("refuses an envelope for another bundle with kind 'stale-bundle'", async () => {
    const before = doubleCalls;
    const failure = expectFailure(await runtime.execute(envelope('double', { n: 1 }, { bundleHash: 'other' })));
    expect(failure.kind).toBe('stale-bundle');
    expect(doubleCalls).toBe(before);
    const decoded = decodeError(failure.kind, failure.error, {});
    expect(decoded).toBeInstanceOf(StaleBundleError);
    expect((decoded as StaleBundleError).expectedHash).toBe('other');
    expect((decoded as StaleBundleError).actualHash).toBe('h');
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a string', 'not an envelope'],
    ['an array', [1, 2]],
    ['an empty object', {}],
    ['a wrong version', { ...envelope('double', { n: 1 }), version: ENVELOPE_VERSION + 1 }],
    ['attempt 0', { ...envelope('double', { n: 1 }), attempt: 0 }],
    ['a non-string input', { ...envelope('double', { n: 1 }), input: { n: 1 } }],
    ['an empty task name', { ...envelope('double', { n: 1 }), task: '' }],
    ['a negative timeout', { ...envelope('double', { n: 1 }), timeoutMs: -1 }],
    ['an input that is not codec text', { ...envelope('double', { n: 1 }), input: '{{{not devalue' }],
  ])("answers a malformed envelope (%s) with kind 'bad-envelope' and never throws", async (_, raw) => {
    const before = doubleCalls;
    const failure = expectFailure(await runtime.execute(raw));
    expect(failure.kind).toBe('bad-envelope');
    expect(failure.version).toBe(ENVELOPE_VERSION);
    expect(typeof failure.error.message).toBe('string');
    expect(doubleCalls).toBe(before);
  });

  it('keeps the id of a malformed envelope when it has one', async () => {
    const failure = expectFailure(await runtime.execute({ id: 'keep-me', version: 999 }));
    expect(failure.id).toBe('keep-me');
  });

  it("answers invalid input with kind 'validation' naming the path, without running the task", async () => {
    const before = doubleCalls;
    const failure = expectFailure(await runtime.execute(envelope('double', { n: -1 })));
    expect(failure.kind).toBe('validation');
    expect(failure.error.path).toBe('input.n');
    expect(failure.error.code).toBe('ERR_INVALID_INPUT');
    expect(doubleCalls).toBe(before);
  });

  it("answers a cooperative timeout of an async task with kind 'timeout' and aborts the task's signal", async () => {
    abortReasons.length = 0;
    const failure = expectFailure(await runtime.execute(envelope('waitForAbort', null, { timeoutMs: 30 })));
    expect(failure.kind).toBe('timeout');
    const decoded = decodeError(failure.kind, failure.error, {});
    expect(decoded).toBeInstanceOf(TimeoutError);
    expect((decoded as TimeoutError).timeoutMs).toBe(30);
    expect(abortReasons).toHaveLength(1);
    expect(abortReasons[0]).toBeInstanceOf(TimeoutError);
  });

  it('does not time out a task that finishes within its timeoutMs', async () => {
    const result = await runtime.execute(envelope('quick', 1, { timeoutMs: 10_000 }));
    expect(result.ok).toBe(true);
  });

  it('does not enforce timeouts when enforceTimeouts is false', async () => {
    const lenient = createRuntime(createTaskRegistry(taskModule), { bundleHash: 'h', enforceTimeouts: false });
    const result = await lenient.execute(envelope('quick', 40, { timeoutMs: 1 }));
    expect(result.ok).toBe(true);
  });

  it("answers an output containing a function with kind 'serialization' naming the path", async () => {
    const failure = expectFailure(await runtime.execute(envelope('returnsFunction', null)));
    expect(failure.kind).toBe('serialization');
    expect(failure.error.path).toBe('output.cb');
  });

  it('refuses a module with two exports of the same task name', () => {
    const a = offloadable('same', () => 1);
    const b = offloadable('same', () => 2);
    expect(() => createTaskRegistry({ a, b })).toThrow(/same/);
    expect(createTaskRegistry({ a, alias: a }).size).toBe(1);
  });
});
