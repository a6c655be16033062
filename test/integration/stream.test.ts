import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { AbortError, type MapAggregateError, type Offloader, type StreamResult, TaskError, ValidationError } from '../../src/index.js';
import { double, mixed, sleep } from '../fixtures/tasks.js';
import { offloaders, rejectionOf } from '../support/helpers.js';

const create = offloaders();

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** Counts the offloader's `success` and `failure` events. */
function settlements(offloader: Offloader): { succeeded: number; failed: number; errors: Error[] } {
  const counts = { succeeded: 0, failed: 0, errors: [] as Error[] };
  offloader.on('success', () => counts.succeeded++);
  offloader.on('failure', ({ error }) => {
    counts.failed++;
    counts.errors.push(error);
  });
  return counts;
}

/** A generator of `value(0) .. value(count - 1)` that records how many values were pulled. */
function counted(count: number, value = (n: number) => n): { inputs: Generator<number>; pulled: () => number } {
  let pulled = 0;
  function* inputs(): Generator<number> {
    for (let n = 0; n < count; n++) {
      pulled++;
      yield value(n);
    }
  }
  return { inputs: inputs(), pulled: () => pulled };
}

describe('stream', () => {
  it('yields outcomes in completion order, each with its input index and info', async () => {
    const offloader = create({ maxWorkers: 4 });
    // Warm the four workers first, so no sleep waits for a worker to load the task module.
    await offloader.map(sleep, [100, 100, 100, 100]);
    // 400 ms between finishing times: far above scheduling noise on a loaded machine.
    const sleeps = [1300, 100, 900, 500];
    const items = await collect(offloader.stream(sleep, sleeps));
    expect(items.map((item) => item.index)).toEqual([1, 3, 2, 0]);
    for (const item of items) {
      expect(item).toMatchObject({ ok: true, value: sleeps[item.index] });
      expect(item.info).toMatchObject({ taskName: 'sleep', backend: 'local', attempts: 1 });
    }
  });

  it('settles every input exactly once: as an item, in events and in stats', async () => {
    const offloader = create();
    const events = settlements(offloader);
    const inputs = Array.from({ length: 2_000 }, (_, n) => n);
    const items = await collect(offloader.stream(mixed, inputs));
    expect(items.map((item) => item.index).sort((a, b) => a - b)).toEqual(inputs);
    await offloader.close();
    expect(events.succeeded + events.failed).toBe(inputs.length);
    expect(offloader.stats().backends.local).toMatchObject({ succeeded: events.succeeded, failed: events.failed });
    expect(offloader.stats().pending).toBe(0);
  });

  it('yields 10,000 mixed successes and failures as items, never throwing', async () => {
    const offloader = create();
    const progress: number[] = [];
    const items: StreamResult<number>[] = [];
    for await (const item of offloader.stream(mixed, counted(10_000).inputs, { onProgress: ({ done }) => progress.push(done) })) items.push(item);
    expect(items).toHaveLength(10_000);
    const failures = items.filter((item) => !item.ok);
    expect(failures).toHaveLength(Math.ceil(10_000 / 7));
    for (const item of items) {
      if (item.ok) {
        expect(item.index % 7).not.toBe(0);
        expect(item.value).toBe(item.index * 2);
      } else {
        expect(item.index % 7).toBe(0);
        expect(item.error).toBeInstanceOf(TaskError);
        expect(item.error.message).toBe(`bad ${item.index}`);
        expect(item.info.taskName).toBe('mixed');
      }
    }
    expect(progress.at(-1)).toBe(10_000);
  });

  it('takes an async iterable and pulls it lazily', async () => {
    const offloader = create();
    async function* inputs(): AsyncGenerator<number> {
      for (let n = 0; n < 300; n++) {
        if (n % 50 === 0) await delay(1);
        yield n;
      }
    }
    const items = await collect(offloader.stream(double, inputs()));
    expect(items).toHaveLength(300);
    for (const item of items) expect(item).toMatchObject({ ok: true, value: item.index * 2 });
  });

  it('on an early break pulls nothing more, cancels the tasks no worker started and lets the running ones finish', async () => {
    // maxQueue bounds the window: at most 50 inputs are in flight.
    const offloader = create({ maxWorkers: 2, maxQueue: 50 });
    const events = settlements(offloader);
    const source = counted(1_000, () => 20);
    let consumed = 0;
    for await (const item of offloader.stream(sleep, source.inputs)) {
      expect(item.ok).toBe(true);
      consumed++;
      break;
    }
    expect(consumed).toBe(1);
    await offloader.close();
    const pulled = source.pulled();
    expect(pulled).toBeLessThan(1_000);
    // Every pulled input settled exactly once: it ran to the end, or was cancelled before it started.
    expect(events.succeeded + events.failed).toBe(pulled);
    expect(events.failed).toBeGreaterThan(0);
    expect(events.succeeded).toBeLessThan(pulled);
    for (const error of events.errors) {
      expect(error).toBeInstanceOf(AbortError);
      expect(error.message).toBe('The stream was closed by its consumer before the task started');
    }
    expect(offloader.stats().local.workerFaults).toBe(0);
  });

  it('holds back new inputs while a window of outcomes waits for a slow consumer', async () => {
    const offloader = create({ maxWorkers: 2, maxQueue: 20 });
    const source = counted(500);
    const iterator = offloader.stream(double, source.inputs);
    const first = await iterator.next();
    expect(first.done).toBe(false);
    // The consumer pauses: the stream may fill its window and its buffer, then stops pulling.
    // A sync source is pulled inside a settlement, so once nothing is pending nothing more will be pulled.
    while (offloader.stats().pending > 0) await delay(5);
    expect(source.pulled()).toBeLessThanOrEqual(2 * 20 + 1);
    let rest = 0;
    for await (const item of iterator) if (item.ok) rest++;
    expect(rest).toBe(499);
  });

  it('rejects with AbortError when its signal aborts', async () => {
    const offloader = create({ maxWorkers: 1 });
    const controller = new AbortController();
    const iterator = offloader.stream(sleep, [10, 5_000, 5_000], { signal: controller.signal });
    expect(await iterator.next()).toMatchObject({ done: false, value: { ok: true, index: 0 } });
    const pending = rejectionOf(iterator.next());
    controller.abort();
    expect(await pending).toBeInstanceOf(AbortError);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('yields what was started, then throws the error of a failing source', async () => {
    const offloader = create();
    function* inputs(): Generator<number> {
      yield 1;
      yield 2;
      throw new Error('source failed');
    }
    const iterator = offloader.stream(double, inputs());
    const indices = [(await iterator.next()).value?.index, (await iterator.next()).value?.index];
    expect(indices.sort()).toEqual([0, 1]);
    expect(((await rejectionOf(iterator.next())) as Error).message).toBe('source failed');
    expect((await iterator.next()).done).toBe(true);
  });

  it('throws a ValidationError at once for inputs that are not iterable', () => {
    const offloader = create();
    expect(() => offloader.stream(double, 42 as unknown as number[])).toThrow(ValidationError);
  });
});

describe('map with stopOnError: false', () => {
  it('carries the outputs that succeeded in error.results, in input order with holes for failures', async () => {
    const offloader = create();
    function* inputs(): Generator<number> {
      for (let n = 1; n <= 21; n++) yield n;
    }
    const error = (await rejectionOf(offloader.map(mixed, inputs(), { stopOnError: false }))) as MapAggregateError<number>;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors).toHaveLength(3);
    expect(error.results).toHaveLength(21);
    for (let index = 0; index < 21; index++) {
      const n = index + 1;
      if (n % 7 === 0) expect(index in error.results).toBe(false);
      else expect(error.results[index]).toBe(n * 2);
    }
  });
});
