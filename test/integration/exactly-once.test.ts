import { describe, expect, it } from 'vitest';
import { type OffloadError, TaskError, type TaskEventInfo } from '../../src/index.js';
import { mixed } from '../fixtures/tasks.js';
import { offloaders } from '../support/helpers.js';

const create = offloaders();

const RUN_COUNT = 10_000;
const MAP_COUNT = 3_000;

describe('exactly-once settlement', () => {
  it('settles each of 10,000 run() tasks and 3,000 map() inputs exactly once, through callbacks, promises, events and stats', async () => {
    const offloader = create({ maxWorkers: 2, maxQueue: 20_000 });
    // Per-task settlement counters, indexed by the task's input.
    const total = RUN_COUNT + MAP_COUNT;
    const callbackSuccess = new Uint16Array(total);
    const callbackError = new Uint16Array(total);
    const promiseSuccess = new Uint16Array(total);
    const promiseError = new Uint16Array(total);
    const wrongValues: number[] = [];
    const eventTaskIds = new Map<string, number>();
    let dispatchEvents = 0;
    const countEvent = (info: TaskEventInfo): void => {
      eventTaskIds.set(info.taskId, (eventTaskIds.get(info.taskId) ?? 0) + 1);
    };
    offloader.on('success', countEvent);
    offloader.on('failure', countEvent);
    offloader.on('dispatch', () => {
      dispatchEvents++;
    });

    const runs: Promise<void>[] = [];
    for (let n = 0; n < RUN_COUNT; n++) {
      runs.push(
        offloader
          .run(mixed, n, {
            onSuccess: (result) => {
              callbackSuccess[n]++;
              if (result !== n * 2) wrongValues.push(n);
            },
            onError: () => {
              callbackError[n]++;
            },
          })
          .then(
            (result) => {
              promiseSuccess[n]++;
              if (result !== n * 2) wrongValues.push(n);
            },
            (error: OffloadError) => {
              promiseError[n]++;
              if (!(error instanceof TaskError) || error.message !== `bad ${n}`) wrongValues.push(n);
            },
          ),
      );
    }

    const mapInputs = Array.from({ length: MAP_COUNT }, (_, index) => RUN_COUNT + index);
    const mapped = offloader
      .map(mixed, mapInputs, {
        stopOnError: false,
        onSuccess: (result, info) => {
          const n = mapInputs[info.index];
          callbackSuccess[n]++;
          if (result !== n * 2) wrongValues.push(n);
        },
        onError: (_, info) => {
          callbackError[mapInputs[info.index]]++;
        },
      })
      .then(
        () => {
          throw new Error('map must reject: some inputs are multiples of 7');
        },
        (error: unknown) => error as AggregateError,
      );

    await Promise.all(runs);
    const aggregate = await mapped;

    const expectedFailures = (from: number, to: number): number => {
      let count = 0;
      for (let n = from; n < to; n++) if (n % 7 === 0) count++;
      return count;
    };
    const runFailures = expectedFailures(0, RUN_COUNT);
    const mapFailures = expectedFailures(RUN_COUNT, total);

    const notOnce: number[] = [];
    for (let n = 0; n < total; n++) {
      const fails = n % 7 === 0;
      const callbacks = callbackSuccess[n] + callbackError[n];
      const expectedCallback = fails ? callbackError[n] : callbackSuccess[n];
      if (callbacks !== 1 || expectedCallback !== 1) notOnce.push(n);
      if (n < RUN_COUNT) {
        const promises = promiseSuccess[n] + promiseError[n];
        const expectedPromise = fails ? promiseError[n] : promiseSuccess[n];
        if (promises !== 1 || expectedPromise !== 1) notOnce.push(n);
      }
    }
    expect(notOnce).toEqual([]);
    expect(wrongValues).toEqual([]);

    expect(callbackError.reduce((sum, count) => sum + count, 0)).toBe(runFailures + mapFailures);
    expect(promiseError.reduce((sum, count) => sum + count, 0)).toBe(runFailures);
    expect(aggregate).toBeInstanceOf(AggregateError);
    expect(aggregate.errors).toHaveLength(mapFailures);

    expect(eventTaskIds.size).toBe(total);
    expect([...eventTaskIds.values()].every((count) => count === 1)).toBe(true);

    const stats = offloader.stats();
    expect(stats.pending).toBe(0);
    expect(stats.local.queued).toBe(0);
    expect(stats).not.toHaveProperty('localQueued');
    expect(stats.backends.local).toMatchObject({
      succeeded: total - runFailures - mapFailures,
      failed: runFailures + mapFailures,
      retried: 0,
      dispatched: total,
    });
    expect(dispatchEvents).toBe(total);
    expect(stats.local).toMatchObject({ queued: 0, running: 0 });
  });
});
