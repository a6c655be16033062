// lambda() against a real local Lambda: serverless-offline 13 running the
// built createLambdaHandler over test/fixtures/remote-tasks.mjs. Started once
// for the file. The emulator's gaps (no LogType tail, no throttling, always
// errorType "Error") are covered with msw in aws-lambda-faults.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LambdaBackend, LambdaInvokeError, lambda } from '../../adapters/aws-lambda/index.js';
import { decodeError, deserialize, ENVELOPE_VERSION, hashTaskModule, type ResultEnvelope, serialize, type TaskEnvelope } from '../../src/contract/index.js';
import { AbortError, PayloadTooLargeError, SerializationError, StaleBundleError, TaskError, TimeoutError, ValidationError } from '../../src/index.js';
import { LAMBDA_ENTRY } from '../contract/backends/lambda.js';
import { rejectionOf } from '../support/helpers.js';
import { type ServerlessOffline, startServerlessOffline } from '../support/serverless-offline.js';

const tasksUrl = new URL('../fixtures/remote-tasks.mjs', import.meta.url);
const bundleHash = hashTaskModule(tasksUrl);

let emulator: ServerlessOffline;
let backend: LambdaBackend;
let nextId = 0;

function envelope(task: string, input: unknown, extra: Partial<TaskEnvelope> = {}): TaskEnvelope {
  return { version: ENVELOPE_VERSION, id: `lambda-${nextId++}`, task, bundleHash, attempt: 1, input: serialize(input, 'input'), ...extra };
}

function failureOf(result: ResultEnvelope): Extract<ResultEnvelope, { ok: false }> {
  if (result.ok) throw new Error(`expected a failed result, got output ${result.output}`);
  return result;
}

beforeAll(async () => {
  emulator = await startServerlessOffline({
    functions: {
      tasks: { entry: LAMBDA_ENTRY, environment: { SPILLWAY_TASKS_URL: tasksUrl.href } },
      // Its task module does not exist: every invocation fails while loading the handler (an init crash).
      broken: { entry: LAMBDA_ENTRY, environment: { SPILLWAY_TASKS_URL: new URL('../fixtures/no-such-tasks.mjs', import.meta.url).href } },
    },
  });
  backend = lambda({ functionName: emulator.functionName('tasks'), client: emulator.createClient() });
});

afterAll(async () => {
  await backend?.destroy();
  await emulator?.stop();
});

describe('lambda() on serverless-offline', () => {
  it('round-trips Date, BigInt, Map, Set, Buffer, undefined and NaN through the function', async () => {
    const value = {
      when: new Date('2024-05-06T07:08:09.010Z'),
      big: 2n ** 70n,
      map: new Map<unknown, unknown>([
        ['a', 1],
        [2, new Set(['x'])],
      ]),
      set: new Set([1, 'two']),
      buffer: Buffer.from('spillway'),
      missing: undefined,
      nan: Number.NaN,
      nested: [Number.POSITIVE_INFINITY, -0, null],
    };
    const result = await backend.invoke(envelope('echo', value));
    if (!result.ok) throw new Error(`echo failed: ${result.error.message}`);
    const output = deserialize(result.output) as typeof value;
    expect(output).toEqual(value);
    expect(Buffer.isBuffer(output.buffer)).toBe(true);
    expect('missing' in output).toBe(true);
    expect(Object.is(output.nested[1], -0)).toBe(true);
  });

  it("keeps a task error's name, message, code, custom field and cause", async () => {
    const failed = failureOf(await backend.invoke(envelope('failQuota', 7)));
    expect(failed.kind).toBe('task');
    const error = decodeError(failed.kind, failed.error, { backend: backend.name, taskName: 'failQuota' });
    expect(error).toBeInstanceOf(TaskError);
    expect(error.name).toBe('QuotaError');
    expect(error.message).toBe('quota of 7 exceeded');
    expect(error.code).toBe('E_QUOTA');
    expect((error as TaskError & { quota: number }).quota).toBe(7);
    expect((error.cause as Error).message).toBe('upstream said no');
    expect(error.backend).toBe('lambda');
  });

  it('answers an invalid input with a validation failure naming the field', async () => {
    const failed = failureOf(await backend.invoke(envelope('sumItems', { items: [{ id: 1, qty: -2 }] })));
    expect(failed.kind).toBe('validation');
    const error = decodeError(failed.kind, failed.error, {});
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe('ERR_INVALID_INPUT');
    expect((error as ValidationError).path).toBe('input.items[0].qty');
  });

  it('runs a task with a schema when the input is valid', async () => {
    const result = await backend.invoke(
      envelope('sumItems', {
        items: [
          { id: 1, qty: 2 },
          { id: 2, qty: 3 },
        ],
      }),
    );
    expect(result.ok && deserialize(result.output)).toBe(5);
  });

  it('answers an unknown task with the names the module exports', async () => {
    const failed = failureOf(await backend.invoke(envelope('noSuchTask', null)));
    expect(failed.kind).toBe('unknown-task');
    const error = decodeError(failed.kind, failed.error, {});
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe('ERR_UNKNOWN_TASK');
    expect(error.message).toContain('"echo"');
  });

  it('refuses an envelope of another bundle; decodeError makes it a StaleBundleError', async () => {
    const failed = failureOf(await backend.invoke(envelope('echo', 1, { bundleHash: 'an-older-build' })));
    expect(failed.kind).toBe('stale-bundle');
    const error = decodeError(failed.kind, failed.error, {});
    expect(error).toBeInstanceOf(StaleBundleError);
    expect(error.code).toBe('ERR_STALE_BUNDLE');
    expect((error as StaleBundleError).expectedHash).toBe('an-older-build');
    expect((error as StaleBundleError).actualHash).toBe(bundleHash);
  });

  it("enforces the envelope's timeoutMs inside the function", async () => {
    const failed = failureOf(await backend.invoke(envelope('sleep', 60_000, { timeoutMs: 50 })));
    expect(failed.kind).toBe('timeout');
    const error = decodeError(failed.kind, failed.error, {});
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).timeoutMs).toBe(50);
  });

  it('answers an output that cannot cross the boundary with a serialization failure', async () => {
    const failed = failureOf(await backend.invoke(envelope('returnsFunction', null)));
    expect(failed.kind).toBe('serialization');
    const error = decodeError(failed.kind, failed.error, {});
    expect(error).toBeInstanceOf(SerializationError);
    expect((error as SerializationError).path).toBe('output.callback');
  });

  it('refuses an envelope over 6 MB before sending it', async () => {
    let dispatched = false;
    const big = 'x'.repeat(6 * 1024 * 1024);
    const error = await rejectionOf(backend.invoke(envelope('echo', big), { onDispatch: () => (dispatched = true) }));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).limitBytes).toBe(6 * 1024 * 1024);
    expect((error as PayloadTooLargeError).sizeBytes).toBeGreaterThan(6 * 1024 * 1024);
    expect(dispatched).toBe(false);
    expect(backend.snapshot()).toEqual({ inFlight: 0, queued: 0 });
  });

  it('rejects with AbortError when the signal aborts during the invocation', async () => {
    const controller = new AbortController();
    const running = backend.invoke(envelope('sleep', 60_000), { signal: controller.signal, onDispatch: () => queueMicrotask(() => controller.abort()) });
    const error = await rejectionOf(running);
    expect(error).toBeInstanceOf(AbortError);
  });

  it('reports a handler that cannot load its task module as a retryable function error', async () => {
    const broken = lambda({ functionName: emulator.functionName('broken'), client: emulator.createClient(), name: 'lambda-broken' });
    const error = await rejectionOf(broken.invoke(envelope('echo', 1)));
    await broken.destroy();
    expect(error).toBeInstanceOf(LambdaInvokeError);
    const failure = error as LambdaInvokeError;
    expect(failure.code).toBe('ERR_LAMBDA_FUNCTION_ERROR');
    expect(failure.retryable).toBe(true);
    expect(failure.functionError).toBe('Unhandled');
    expect(failure.backend).toBe('lambda-broken');
    expect(failure.message).toContain('spillway could not load the task module');
    expect(failure.message).toContain('no-such-tasks.mjs');
  });

  it('reports a function that does not exist as a non-retryable error that says what to check', async () => {
    const missing = lambda({ functionName: emulator.functionName('missing'), client: emulator.createClient() });
    const error = await rejectionOf(missing.invoke(envelope('echo', 1)));
    await missing.destroy();
    expect(error).toBeInstanceOf(LambdaInvokeError);
    expect((error as LambdaInvokeError).code).toBe('ERR_LAMBDA_NOT_FOUND');
    expect((error as LambdaInvokeError).retryable).toBe(false);
    expect((error as LambdaInvokeError).statusCode).toBe(404);
    expect((error as Error).message).toContain('`functionName`');
  });

  it('runs invocations concurrently up to maxConcurrency', async () => {
    const inputs = Array.from({ length: 8 }, (_, index) => index);
    const results = await Promise.all(inputs.map((input) => backend.invoke(envelope('echo', input))));
    expect(results.map((result) => result.ok && deserialize(result.output))).toEqual(inputs);
  });
});
