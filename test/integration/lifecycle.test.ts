import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AbortError,
  CapacityError,
  type DrainInfo,
  isOffloadError,
  type OffloadError,
  TaskError,
  type TaskEventInfo,
  type TaskFailureInfo,
  type TaskRetryInfo,
} from '../../src/index.js';
import { alwaysFails, double, echo, failQuota, flaky, mixed, sleep, spinMarked } from '../fixtures/tasks.js';
import { offloaders, rejectionOf } from '../support/helpers.js';

const create = offloaders();
const scratch = mkdtempSync(join(tmpdir(), 'spillway-lifecycle-'));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function expectEventInfo(info: TaskEventInfo, taskName: string): void {
  expect(info.taskName).toBe(taskName);
  expect(typeof info.taskId).toBe('string');
  expect(info.taskId.length).toBeGreaterThan(0);
  expect(info.backend).toBe('local');
  expect(Number.isInteger(info.attempts)).toBe(true);
  expect(info.attempts).toBeGreaterThanOrEqual(1);
  expect(typeof info.queuedMs).toBe('number');
  expect(info.queuedMs).toBeGreaterThanOrEqual(0);
  expect(typeof info.runMs).toBe('number');
  expect(info.runMs).toBeGreaterThanOrEqual(0);
}

describe('map', () => {
  it('keeps input order over 5,000 inputs and reports progress up to the total', async () => {
    const offloader = create();
    const inputs = Array.from({ length: 5000 }, (_, index) => 5000 - index);
    const progress: { done: number; total: number; succeeded: number; failed: number }[] = [];
    const results = await offloader.map(double, inputs, { onProgress: (update) => progress.push(update) });
    expect(results).toEqual(inputs.map((n) => n * 2));
    expect(progress).toHaveLength(5000);
    expect(progress.map((update) => update.done)).toEqual(Array.from({ length: 5000 }, (_, index) => index + 1));
    expect(progress.every((update) => update.total === 5000)).toBe(true);
    expect(progress.at(-1)).toEqual({ done: 5000, total: 5000, succeeded: 5000, failed: 0 });
  });

  it('accepts any iterable and resolves an empty one with []', async () => {
    const offloader = create();
    function* numbers(): Generator<number> {
      yield 1;
      yield 2;
      yield 3;
    }
    await expect(offloader.map(double, numbers())).resolves.toEqual([2, 4, 6]);
    await expect(offloader.map(double, [])).resolves.toEqual([]);
  });

  it('pulls a sync iterable lazily: no more than the window before the first result settles', async () => {
    const offloader = create();
    const count = 20_000;
    let pulled = 0;
    let pulledAtFirstSettle = -1;
    function* inputs(): Generator<number> {
      for (let n = 0; n < count; n++) {
        pulled++;
        yield n;
      }
    }
    const results = await offloader.map(echo, inputs(), {
      onProgress: () => {
        if (pulledAtFirstSettle === -1) pulledAtFirstSettle = pulled;
      },
    });
    expect(pulledAtFirstSettle).toBeGreaterThan(0);
    expect(pulledAtFirstSettle).toBeLessThanOrEqual(8192 + 1);
    expect(pulledAtFirstSettle).toBeLessThan(count);
    expect(results).toHaveLength(count);
    expect(results.every((value, index) => value === index)).toBe(true);
  });

  it('keeps at most the window in flight: with local.maxQueue 5, a generator is pulled 5 ahead', async () => {
    const offloader = create({ maxWorkers: 1, maxQueue: 5 });
    let pulled = 0;
    let settled = 0;
    let mostAhead = 0;
    function* inputs(): Generator<number> {
      for (let n = 0; n < 100; n++) {
        pulled++;
        mostAhead = Math.max(mostAhead, pulled - settled);
        yield n;
      }
    }
    const results = await offloader.map(double, inputs(), { onProgress: ({ done }) => (settled = done) });
    expect(results).toEqual(Array.from({ length: 100 }, (_, n) => n * 2));
    expect(mostAhead).toBeLessThanOrEqual(5 + 1);
  });

  it('runs an async iterable, in input order, and rejects when it throws', async () => {
    const offloader = create();
    async function* inputs(count: number, failAt = -1): AsyncGenerator<number> {
      for (let n = 0; n < count; n++) {
        if (n === failAt) throw new Error(`source failed at ${n}`);
        if (n % 50 === 0) await delay(1);
        yield n;
      }
    }
    const progress: { done: number; total: number }[] = [];
    const results = await offloader.map(double, inputs(300), { onProgress: ({ done, total }) => progress.push({ done, total }) });
    expect(results).toEqual(Array.from({ length: 300 }, (_, n) => n * 2));
    expect(progress.at(-1)).toEqual({ done: 300, total: 300 });
    await expect(offloader.map(double, inputs(0))).resolves.toEqual([]);
    await expect(offloader.map(double, inputs(100, 40))).rejects.toThrow('source failed at 40');
  });

  it('refuses inputs that are not iterable with a ValidationError', async () => {
    const offloader = create();
    const error = await rejectionOf(offloader.map(double, 42 as unknown as number[]));
    expect(isOffloadError(error, 'ERR_VALIDATION')).toBe(true);
  });

  it('with stopOnError (the default) rejects with the first error itself', async () => {
    const offloader = create({ maxWorkers: 1 });
    const error = (await rejectionOf(offloader.map(mixed, [1, 2, 7, 3, 14, 4]))) as TaskError;
    expect(error).not.toBeInstanceOf(AggregateError);
    expect(error).toBeInstanceOf(TaskError);
    expect(error.name).toBe('RangeError');
    expect(error.message).toBe('bad 7');
    expect(error.taskName).toBe('mixed');
  });

  it('with stopOnError submits no further inputs after the first failure', async () => {
    const offloader = create({ maxWorkers: 1 });
    const inputs = [7, ...Array.from({ length: 9999 }, (_, index) => index * 7 + 1)];
    const error = (await rejectionOf(offloader.map(mixed, inputs))) as TaskError;
    expect(error.message).toBe('bad 7');
    await offloader.close();
    const { succeeded, failed } = offloader.stats().backends.local;
    expect(failed).toBe(1);
    expect(succeeded + failed).toBeLessThan(inputs.length);
  });

  it('with stopOnError false runs everything and rejects with an AggregateError of all failures', async () => {
    const offloader = create();
    const inputs = Array.from({ length: 50 }, (_, index) => index + 1);
    const progress: { done: number; succeeded: number; failed: number }[] = [];
    const error = (await rejectionOf(offloader.map(mixed, inputs, { stopOnError: false, onProgress: (update) => progress.push(update) }))) as AggregateError;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors).toHaveLength(7);
    for (const inner of error.errors) {
      expect(inner).toBeInstanceOf(TaskError);
      expect(inner.name).toBe('RangeError');
    }
    expect(error.errors.map((inner: Error) => inner.message).sort()).toEqual(['bad 14', 'bad 21', 'bad 28', 'bad 35', 'bad 42', 'bad 49', 'bad 7'].sort());
    expect(progress.at(-1)).toEqual({ done: 50, total: 50, succeeded: 43, failed: 7 });
    expect(offloader.stats().backends.local).toMatchObject({ succeeded: 43, failed: 7 });
  });

  it('calls onSuccess/onError once per input with its index', async () => {
    const offloader = create();
    const successes = new Map<number, number[]>();
    const failures = new Map<number, string[]>();
    const inputs = Array.from({ length: 30 }, (_, index) => index);
    await rejectionOf(
      offloader.map(mixed, inputs, {
        stopOnError: false,
        onSuccess: (result, info) => successes.set(info.index, [...(successes.get(info.index) ?? []), result]),
        onError: (error, info) => failures.set(info.index, [...(failures.get(info.index) ?? []), error.message]),
      }),
    );
    for (const n of inputs) {
      if (n % 7 === 0) {
        expect(failures.get(n)).toEqual([`bad ${n}`]);
        expect(successes.has(n)).toBe(false);
      } else {
        expect(successes.get(n)).toEqual([n * 2]);
        expect(failures.has(n)).toBe(false);
      }
    }
  });
});

describe('destroy and close', () => {
  it('destroy() rejects every pending task, queued and running, with AbortError', async () => {
    const offloader = create({ maxWorkers: 1 });
    const marker = join(scratch, 'destroy-running');
    const running = rejectionOf(offloader.run(spinMarked, marker));
    const queued = Array.from({ length: 4 }, () => rejectionOf(offloader.run(sleep, 200)));
    // The spinning task is really running in the only worker; the sleeps wait behind it.
    while (!existsSync(marker)) await delay(5);
    expect(offloader.stats().local).toMatchObject({ running: 1, queued: 4 });
    await offloader.destroy();
    const errors = await Promise.all([running, ...queued]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(AbortError);
      expect(isOffloadError(error, 'ERR_ABORTED')).toBe(true);
    }
    expect(offloader.stats().pending).toBe(0);
  });

  it('destroy() rejects several sleeping tasks (one running, the rest queued) with AbortError', async () => {
    const offloader = create({ maxWorkers: 1 });
    const firstDispatched = new Promise<void>((resolve) => offloader.once('dispatch', () => resolve()));
    const pending = Array.from({ length: 5 }, () => rejectionOf(offloader.run(sleep, 200)));
    await firstDispatched;
    await offloader.destroy();
    const errors = await Promise.all(pending);
    expect(errors.every((error) => error instanceof AbortError)).toBe(true);
  });

  it('close() waits for every in-flight task before it resolves', async () => {
    const offloader = create({ maxWorkers: 1 });
    const settled: number[] = [];
    const pending = [120, 60, 30, 10].map((ms) =>
      offloader.run(sleep, ms).then((value) => {
        settled.push(value);
        return value;
      }),
    );
    await offloader.close();
    expect(settled).toEqual([120, 60, 30, 10]);
    await expect(Promise.all(pending)).resolves.toEqual([120, 60, 30, 10]);
    expect(offloader.stats().pending).toBe(0);
    expect(offloader.stats().local.workers).toBe(0);
  });

  it('close() with nothing pending resolves', async () => {
    const offloader = create({ maxWorkers: 1 });
    await expect(offloader.close()).resolves.toBeUndefined();
  });
});

describe('maxQueue', () => {
  it('rejects the excess with CapacityError ERR_QUEUE_FULL right away, and runs the rest', async () => {
    const offloader = create({ maxWorkers: 1, maxQueue: 5 });
    const order: string[] = [];
    const outcomes = Array.from({ length: 20 }, (_, index) =>
      offloader.run(sleep, 20).then(
        () => {
          order.push(`ok ${index}`);
          return 'ok' as const;
        },
        (error: OffloadError) => {
          order.push(`rejected ${index}`);
          return error;
        },
      ),
    );
    const results = await Promise.all(outcomes);
    const rejected = results.filter((result): result is OffloadError => result !== 'ok');
    expect(rejected).toHaveLength(15);
    for (const error of rejected) {
      expect(error).toBeInstanceOf(CapacityError);
      expect(error.code).toBe('ERR_QUEUE_FULL');
      expect(error.retryable).toBe(true);
      expect(error.message).toContain('local.maxQueue');
    }
    expect(results.slice(0, 5)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    // Every rejection settled before the first accepted task finished: nothing waited for room.
    expect(order.slice(0, 15).every((entry) => entry.startsWith('rejected'))).toBe(true);
    expect(offloader.stats().backends.local).toMatchObject({ succeeded: 5, failed: 15, dispatched: 5 });
  });

  it('is unbounded by default: 20,000 run() calls at once all succeed', async () => {
    const offloader = create();
    const inputs = Array.from({ length: 20_000 }, (_, index) => index);
    const results = await Promise.all(inputs.map((n) => offloader.run(echo, n)));
    expect(results).toEqual(inputs);
    expect(offloader.stats().backends.local).toMatchObject({ succeeded: 20_000, failed: 0 });
  });

  it('map feeds the queue gradually and does not hit maxQueue', async () => {
    const offloader = create({ maxWorkers: 1, maxQueue: 5 });
    const inputs = Array.from({ length: 200 }, (_, index) => index);
    await expect(offloader.map(double, inputs)).resolves.toEqual(inputs.map((n) => n * 2));
  });
});

describe('events, callbacks and stats', () => {
  it('emits dispatch, success, failure and drain with complete payloads', async () => {
    const offloader = create();
    const dispatch: TaskEventInfo[] = [];
    const success: TaskEventInfo[] = [];
    const failure: TaskFailureInfo[] = [];
    const drain: DrainInfo[] = [];
    offloader.on('dispatch', (info) => dispatch.push(info));
    offloader.on('success', (info) => success.push(info));
    offloader.on('failure', (info) => failure.push(info));
    offloader.on('drain', (info) => drain.push(info));

    const [ok, failed] = await Promise.allSettled([offloader.run(sleep, 30), offloader.run(failQuota, 3)]);
    expect(ok).toEqual({ status: 'fulfilled', value: 30 });
    expect(failed.status).toBe('rejected');

    expect(dispatch).toHaveLength(2);
    expect(dispatch.map((info) => info.taskName).sort()).toEqual(['failQuota', 'sleep']);
    for (const info of dispatch) expectEventInfo(info, info.taskName);

    expect(success).toHaveLength(1);
    expectEventInfo(success[0], 'sleep');
    expect(success[0].attempts).toBe(1);
    expect(success[0].runMs).toBeGreaterThan(0);

    expect(failure).toHaveLength(1);
    expectEventInfo(failure[0], 'failQuota');
    expect(failure[0].error).toBe((failed as PromiseRejectedResult).reason);
    expect(failure[0].error.name).toBe('QuotaError');

    const ids = new Set([success[0].taskId, failure[0].taskId]);
    expect(ids.size).toBe(2);
    expect(new Set(dispatch.map((info) => info.taskId))).toEqual(ids);

    expect(drain).toHaveLength(1);
    expect(drain[0].settled).toBe(2);
  });

  it('off() and once() manage listeners', async () => {
    const offloader = create();
    const seen: string[] = [];
    const listener = (info: TaskEventInfo): void => {
      seen.push(`on ${info.taskName}`);
    };
    offloader.on('success', listener);
    offloader.once('success', (info) => seen.push(`once ${info.taskName}`));
    await offloader.run(echo, 1);
    offloader.off('success', listener);
    await offloader.run(echo, 2);
    expect(seen).toEqual(['on echo', 'once echo']);
  });

  it('retries flaky (retries: 2) and succeeds on attempt 3 with 2 retry events', async () => {
    const offloader = create();
    const retries: TaskRetryInfo[] = [];
    const dispatches: TaskEventInfo[] = [];
    const successes: TaskEventInfo[] = [];
    offloader.on('retry', (info) => retries.push(info));
    offloader.on('dispatch', (info) => dispatches.push(info));
    offloader.on('success', (info) => successes.push(info));
    await expect(offloader.run(flaky, null)).resolves.toBe(3);
    expect(retries).toHaveLength(2);
    expect(retries.map((info) => info.attempts)).toEqual([1, 2]);
    for (const info of retries) {
      expectEventInfo(info, 'flaky');
      expect(info.error).toBeInstanceOf(TaskError);
      expect(info.nextBackend).toBe('local');
      expect(typeof info.reason).toBe('string');
    }
    expect(retries[0].error.message).toBe('attempt 1 fails');
    expect(retries[1].error.message).toBe('attempt 2 fails');
    expect(dispatches.map((info) => info.attempts)).toEqual([1, 2, 3]);
    expect(new Set(dispatches.map((info) => info.taskId)).size).toBe(1);
    expect(successes).toHaveLength(1);
    expect(successes[0].attempts).toBe(3);
    expect(offloader.stats().backends.local).toMatchObject({ dispatched: 3, retried: 2, succeeded: 1, failed: 0 });
  });

  it('reports a task that fails on every attempt once, after retries + 1 attempts', async () => {
    const offloader = create();
    const retries: TaskRetryInfo[] = [];
    const failures: TaskFailureInfo[] = [];
    offloader.on('retry', (info) => retries.push(info));
    offloader.on('failure', (info) => failures.push(info));
    const error = (await rejectionOf(offloader.run(alwaysFails, null))) as TaskError;
    expect(error).toBeInstanceOf(TaskError);
    expect(error.message).toBe('attempt 3 fails too');
    expect(error.attempts).toBe(3);
    expect(retries.map((info) => info.attempts)).toEqual([1, 2]);
    expect(failures).toHaveLength(1);
    expect(failures[0].attempts).toBe(3);
    expect(offloader.stats().backends.local).toMatchObject({ dispatched: 3, retried: 2, succeeded: 0, failed: 1 });
  });

  it('does not retry a task whose retries are exhausted: the error carries the attempts', async () => {
    const offloader = create();
    const error = (await rejectionOf(offloader.run(failQuota, 1))) as TaskError;
    expect(error.attempts).toBe(1);
    expect(offloader.stats().backends.local.retried).toBe(0);
  });

  it('stats() counts per backend and summarises latencies', async () => {
    const offloader = create();
    const initial = offloader.stats();
    expect(initial.pending).toBe(0);
    expect(initial.backends.local).toMatchObject({ dispatched: 0, succeeded: 0, failed: 0, retried: 0 });
    expect(initial.backends.local.latencyMs).toEqual({ p50: 0, p90: 0, p99: 0, max: 0, mean: 0 });

    const runs = [offloader.run(sleep, 5), offloader.run(sleep, 10), offloader.run(sleep, 15), offloader.run(mixed, 7), offloader.run(mixed, 8)];
    expect(offloader.stats().pending).toBe(5);
    await Promise.allSettled(runs);

    const { backends, pending } = offloader.stats();
    expect(pending).toBe(0);
    const local = backends.local;
    expect(local).toMatchObject({ dispatched: 5, succeeded: 4, failed: 1, retried: 0 });
    for (const summary of [local.latencyMs, local.runMs]) {
      expect(summary.p50).toBeGreaterThan(0);
      expect(summary.p50).toBeLessThanOrEqual(summary.p90);
      expect(summary.p90).toBeLessThanOrEqual(summary.p99);
      expect(summary.p99).toBeLessThanOrEqual(summary.max);
      expect(summary.mean).toBeGreaterThan(0);
      expect(summary.mean).toBeLessThanOrEqual(summary.max);
    }
    // Latency counts from submission, so it is never below the run time.
    expect(local.latencyMs.max).toBeGreaterThanOrEqual(local.runMs.max);
  });

  it('calls onSuccess and onError exactly once, before the promise settles', async () => {
    const offloader = create();
    const calls: string[] = [];
    const value = await offloader.run(sleep, 5, {
      onSuccess: (result, info) => {
        expectEventInfo(info, 'sleep');
        calls.push(`success ${result}`);
      },
      onError: () => calls.push('error'),
    });
    calls.push(`resolved ${value}`);
    const error = await rejectionOf(
      offloader.run(failQuota, 2, {
        onSuccess: () => calls.push('success'),
        onError: (caught, info) => {
          expectEventInfo(info, 'failQuota');
          calls.push(`error ${caught.name}`);
        },
      }),
    );
    calls.push(`rejected ${(error as Error).name}`);
    // Retried tasks also report once.
    await offloader.run(flaky, null, { onSuccess: (result) => calls.push(`success ${result}`), onError: () => calls.push('error') });
    expect(calls).toEqual(['success 5', 'resolved 5', 'error QuotaError', 'rejected QuotaError', 'success 3']);
  });
});
