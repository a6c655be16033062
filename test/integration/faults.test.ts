import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { AbortError, BackendError, isOffloadError, TimeoutError } from '../../src/index.js';
import { digest, exitWorker, hogMemory, sleep, spin, spinMarked, timerThrow, whichThread } from '../fixtures/tasks.js';
import { offloaders, rejectionOf } from '../support/helpers.js';

const create = offloaders();
const scratch = mkdtempSync(join(tmpdir(), 'spillway-faults-'));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

let markers = 0;
function markerPath(): string {
  return join(scratch, `started-${markers++}`);
}

/** Waits until a task wrote its start marker (the task is really running in a worker). */
async function started(marker: string): Promise<void> {
  while (!existsSync(marker)) await delay(5);
}

describe('faults of the local pool', () => {
  it('a timeout terminates a spinning task with TimeoutError, and the next task still runs', async () => {
    const offloader = create({ maxWorkers: 1 });
    const error = (await rejectionOf(offloader.run(spin, undefined as never, { timeoutMs: 150 }))) as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.code).toBe('ERR_TIMEOUT');
    expect(error.timeoutMs).toBe(150);
    expect(error.taskName).toBe('spin');
    expect(error.backend).toBe('local');
    expect(error.attempts).toBe(1);
    await expect(offloader.run(digest, { text: 'a', rounds: 1 })).resolves.toMatch(/^[0-9a-f]{64}$/);
    await expect(offloader.run(whichThread, undefined as never)).resolves.toEqual(expect.any(Number));
  });

  it('a worker that exits fails its task with BackendError ERR_WORKER_EXITED, and the next task runs', async () => {
    const offloader = create({ maxWorkers: 1 });
    const error = (await rejectionOf(offloader.run(exitWorker, undefined as never))) as BackendError;
    expect(error).toBeInstanceOf(BackendError);
    expect(error.code).toBe('ERR_WORKER_EXITED');
    expect(error.taskName).toBe('exitWorker');
    expect(error.backend).toBe('local');
    await expect(offloader.run(sleep, 1)).resolves.toBe(1);
    expect(offloader.stats().local.workerFaults).toBeGreaterThanOrEqual(1);
  });

  it('an exception thrown from a timer crashes the worker: BackendError ERR_WORKER_CRASHED, and the next task runs', async () => {
    const offloader = create({ maxWorkers: 1 });
    const error = (await rejectionOf(offloader.run(timerThrow, undefined as never))) as BackendError;
    expect(error).toBeInstanceOf(BackendError);
    expect(error.code).toBe('ERR_WORKER_CRASHED');
    expect(error.message).toContain('thrown from a timer');
    await expect(offloader.run(sleep, 1)).resolves.toBe(1);
  });

  it('a task that exhausts workerMemoryMb fails with ERR_WORKER_OUT_OF_MEMORY and the pool heals', async () => {
    const offloader = create({ maxWorkers: 1, workerMemoryMb: 32 });
    const error = (await rejectionOf(offloader.run(hogMemory, undefined as never))) as BackendError;
    expect(error).toBeInstanceOf(BackendError);
    expect(error.code).toBe('ERR_WORKER_OUT_OF_MEMORY');
    expect(error.message).toContain('workerMemoryMb');
    await expect(offloader.run(sleep, 1)).resolves.toBe(1);
    await expect(offloader.run(digest, { text: 'x', rounds: 3 })).resolves.toMatch(/^[0-9a-f]{64}$/);
  });

  it('maxTasksPerWorker 2 with one worker: 6 runs use 3 threads, each exactly twice', async () => {
    const offloader = create({ maxWorkers: 1, maxTasksPerWorker: 2 });
    const ids: number[] = [];
    for (let run = 0; run < 6; run++) ids.push(await offloader.run(whichThread, undefined as never));
    const uses = new Map<number, number>();
    for (const id of ids) uses.set(id, (uses.get(id) ?? 0) + 1);
    expect(uses.size).toBe(3);
    expect([...uses.values()]).toEqual([2, 2, 2]);
    // Runs on one worker are consecutive.
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).toBe(ids[3]);
    expect(ids[4]).toBe(ids[5]);
  });

  it('maxTasksPerWorker also holds when the runs are submitted at once', async () => {
    const offloader = create({ maxWorkers: 1, maxTasksPerWorker: 2 });
    // Warm the estimate so chunking would kick in if the limit were not applied.
    await offloader.map(
      whichThread,
      Array.from({ length: 2 }, () => undefined as never),
    );
    const ids = await offloader.map(
      whichThread,
      Array.from({ length: 8 }, () => undefined as never),
    );
    const uses = new Map<number, number>();
    for (const id of ids) uses.set(id, (uses.get(id) ?? 0) + 1);
    expect(uses.size).toBe(4);
    expect([...uses.values()]).toEqual([2, 2, 2, 2]);
  });

  it('aborting a running task stops its worker with AbortError, and the next task runs', async () => {
    const offloader = create({ maxWorkers: 1 });
    const controller = new AbortController();
    const marker = markerPath();
    const pending = rejectionOf(offloader.run(spinMarked, marker, { signal: controller.signal }));
    await started(marker);
    controller.abort(new Error('user cancelled'));
    const error = (await pending) as AbortError;
    expect(error).toBeInstanceOf(AbortError);
    expect(error.code).toBe('ERR_ABORTED');
    expect(error.taskName).toBe('spinMarked');
    expect((error.cause as Error).message).toBe('user cancelled');
    await expect(offloader.run(sleep, 1)).resolves.toBe(1);
    await expect(offloader.run(whichThread, undefined as never)).resolves.toEqual(expect.any(Number));
  });

  it('aborting a queued task before dispatch rejects it with AbortError; it never runs', async () => {
    const offloader = create({ maxWorkers: 1 });
    const marker = markerPath();
    const controller = new AbortController();
    const blocker = offloader.run(sleep, 300);
    const queued = rejectionOf(offloader.run(spinMarked, marker, { signal: controller.signal }));
    // The only worker runs the blocker, so the second task waits (in the queue,
    // or handed to the worker behind the blocker, which counts as waiting too).
    while (offloader.stats().local.running === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    expect(offloader.stats().local).toMatchObject({ running: 1, queued: 1 });
    controller.abort();
    const error = (await queued) as AbortError;
    expect(error).toBeInstanceOf(AbortError);
    expect(isOffloadError(error, 'ERR_ABORTED')).toBe(true);
    await expect(blocker).resolves.toBe(300);
    await expect(offloader.run(sleep, 1)).resolves.toBe(1);
    expect(offloader.stats().backends.local.failed).toBe(1);
    expect(existsSync(marker)).toBe(false);
  });

  it('a signal that is already aborted rejects without queueing', async () => {
    const offloader = create({ maxWorkers: 1 });
    const error = await rejectionOf(offloader.run(sleep, 1, { signal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(AbortError);
    expect(offloader.stats().backends.local.dispatched).toBe(0);
  });

  it('a timeout in one worker does not disturb a task running on another', async () => {
    const offloader = create({ maxWorkers: 2 });
    const [timedOut, slept] = await Promise.allSettled([offloader.run(spin, undefined as never, { timeoutMs: 100 }), offloader.run(sleep, 300)]);
    expect(timedOut.status).toBe('rejected');
    expect((timedOut as PromiseRejectedResult).reason).toBeInstanceOf(TimeoutError);
    expect(slept).toEqual({ status: 'fulfilled', value: 300 });
  });
});
