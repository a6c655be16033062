// The process-isolated local pool (`local.isolation: 'process'`, a task's
// `isolation`), through the public API: each task runs in a child process,
// `maxRssMb` caps a process's whole memory, and `process.exit`,
// `process.chdir` and an uncaught exception in a timer touch only the task
// that caused them. The contract suite runs against this pool too
// (test/contract/backends/local-process.ts).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCpuList } from '../../src/backends/local/cpu-affinity.js';
import { AbortError, BackendError, type LateFaultInfo, type StallInfo, TimeoutError } from '../../src/index.js';
import {
  allowedCpus,
  exits,
  hangs,
  heapHog,
  hog,
  ignoresAbort,
  leavesThrowingTimer,
  movesDir,
  throwsLater,
  waitsForAbort,
  whereAmI,
  whereAmIProcess,
} from '../fixtures/process-tasks.js';
import { rejectionOf } from '../support/helpers.js';
import { processPool } from '../support/process-pool.js';

/** `taskset` (util-linux) can pin processes here: Linux with the tool installed. */
const TASKSET = 'taskset';
const canPin = process.platform === 'linux' && spawnSync(TASKSET, ['--version']).status === 0;
/** The CPUs this test process may use. */
function parentCpus(): number[] {
  return parseCpuList(/Cpus_allowed_list:\s*(\S+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '');
}
const { create, scratch } = processPool(new URL('../fixtures/process-tasks.ts', import.meta.url), 'spillway-process-');

describe('process isolation', () => {
  it("runs each task in a child process: its pid is not the parent's, and two workers have two pids", async () => {
    const offloader = create({ minWorkers: 2 });
    const seen = new Set<number>();
    // Two tasks at a time hold both workers until each has answered at least once.
    for (let round = 0; round < 20 && seen.size < 2; round++) {
      const places = await Promise.all([offloader.run(whereAmI, undefined), offloader.run(whereAmI, undefined)]);
      for (const place of places) seen.add(place.pid);
    }
    expect(seen.has(process.pid)).toBe(false);
    expect(seen.size).toBe(2);
    expect(offloader.stats().local.workers).toBe(2);
  });

  it('a task over maxRssMb fails with ERR_WORKER_OUT_OF_MEMORY, its process is replaced, and the next task runs', async () => {
    const offloader = create({ maxWorkers: 1, maxRssMb: 200 });
    const before = await offloader.run(whereAmI, undefined);
    const error = await rejectionOf(offloader.run(hog, { mb: 300, holdMs: 30_000 }));
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: 'ERR_WORKER_OUT_OF_MEMORY', retryable: false });
    expect((error as Error).message).toContain('local.maxRssMb = 200');
    const after = await offloader.run(whereAmI, undefined);
    expect(after.pid).not.toBe(before.pid);
    // Under the cap, the same allocation pattern succeeds.
    await expect(offloader.run(hog, { mb: 20, holdMs: 0 })).resolves.toBe(2);
  });

  it('process.exit fails only its own task', async () => {
    const offloader = create({ maxWorkers: 1 });
    const error = await rejectionOf(offloader.run(exits, 3));
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: 'ERR_WORKER_EXITED' });
    await expect(offloader.run(whereAmI, undefined)).resolves.toMatchObject({ cwd: process.cwd() });
  });

  it("process.chdir works inside the task and the next task starts in the process's first directory", async () => {
    const offloader = create({ maxWorkers: 1 });
    const first = await offloader.run(whereAmI, undefined);
    await expect(offloader.run(movesDir, scratch)).resolves.toBe(scratch);
    // Same process, first directory back; the parent's never moved.
    await expect(offloader.run(whereAmI, undefined)).resolves.toEqual(first);
    expect(process.cwd()).not.toBe(scratch);
  });

  it('an uncaught exception in a timer fails only its own task', async () => {
    const offloader = create({ maxWorkers: 1 });
    const neighbours = [offloader.run(whereAmI, undefined), offloader.run(whereAmI, undefined)];
    const error = await rejectionOf(offloader.run(throwsLater, undefined));
    expect(error).toMatchObject({ code: 'ERR_WORKER_CRASHED' });
    expect((error as Error).message).toContain('thrown in a timer');
    await expect(Promise.all(neighbours)).resolves.toHaveLength(2);
    await expect(offloader.run(whereAmI, undefined)).resolves.toMatchObject({ cwd: process.cwd() });
    expect(offloader.stats().local.workerFaults).toBe(1);
  });

  it('times out like a thread: the signal aborts in the process, or the process is replaced after abortGraceMs', async () => {
    const offloader = create({ maxWorkers: 1 });
    const failures: string[] = [];
    offloader.on('failure', (info) => failures.push(info.taskName));
    const cooperative = await rejectionOf(offloader.run(waitsForAbort, null));
    expect(cooperative).toBeInstanceOf(TimeoutError);
    const pid = (await offloader.run(whereAmI, undefined)).pid;
    const stubborn = await rejectionOf(offloader.run(ignoresAbort, undefined));
    expect(stubborn).toBeInstanceOf(TimeoutError);
    // The stubborn task's process was terminated; the cooperative one's was kept.
    const next = await offloader.run(whereAmI, undefined);
    expect(next.pid).not.toBe(pid);
    expect(failures).toEqual(['waitsForAbort', 'ignoresAbort']);
  });

  it("a task's isolation overrides the pool's: threads by default, a process for the task that asks", async () => {
    const offloader = create({ isolation: 'thread', maxWorkers: 1 });
    const thread = await offloader.run(whereAmI, undefined);
    const child = await offloader.run(whereAmIProcess, undefined);
    expect(thread.pid).toBe(process.pid);
    expect(child.pid).not.toBe(process.pid);
    expect(offloader.stats().local.workers).toBe(2);
  });

  it('recycles a process after maxTasksPerWorker tasks', async () => {
    const offloader = create({ maxWorkers: 1, maxTasksPerWorker: 2 });
    const pids: number[] = [];
    for (let index = 0; index < 4; index++) pids.push((await offloader.run(whereAmI, undefined)).pid);
    expect(pids[0]).toBe(pids[1]);
    expect(pids[2]).toBe(pids[3]);
    expect(pids[2]).not.toBe(pids[0]);
  });

  it.skipIf(!canPin)('cpuPinning pins each process to one CPU before its first task (Linux with taskset)', async () => {
    const offloader = create({ maxWorkers: 2, minWorkers: 2, cpuPinning: true });
    const lists = await Promise.all([offloader.run(allowedCpus, undefined), offloader.run(allowedCpus, undefined)]);
    for (const list of lists) expect(list).toMatch(/^\d+$/);
    // Without the option a process may run where its parent may.
    const parentCpus = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    const unpinned = create({ maxWorkers: 1 });
    await expect(unpinned.run(allowedCpus, undefined)).resolves.toBe(parentCpus);
  });

  it.skipIf(!canPin || parentCpus().length < 2)(
    'cpuPinning pins to the CPUs this process may use, not to CPU 0..n-1 (a caller started with taskset -c)',
    () => {
      const only = parentCpus().at(-1) as number;
      const probe = spawnSync(TASKSET, ['-c', String(only), process.execPath, new URL('../fixtures/pinning-probe.mjs', import.meta.url).pathname], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(probe.status, probe.stderr).toBe(0);
      expect(JSON.parse(probe.stdout.trim().split('\n').at(-1) ?? '[]')).toEqual([String(only), String(only)]);
    },
    60_000,
  );

  it('a fault a task left behind in its idle process is charged to that task (`error` event), and the pool keeps serving', async () => {
    const offloader = create({ maxWorkers: 1 });
    let culpritId: string | undefined;
    offloader.on('success', (info) => {
      if (info.taskName === 'leavesThrowingTimer') culpritId = info.taskId;
    });
    const fault = new Promise<LateFaultInfo>((resolve) => offloader.once('error', resolve));
    await expect(offloader.run(leavesThrowingTimer, 50)).resolves.toBe('returned');
    const info = await fault;
    expect(info).toMatchObject({ taskName: 'leavesThrowingTimer', taskId: culpritId, backend: 'local' });
    expect(info.error).toMatchObject({ code: 'ERR_WORKER_CRASHED' });
    expect(info.error.message).toContain('left behind');
    await expect(offloader.run(whereAmI, undefined)).resolves.toMatchObject({ cwd: process.cwd() });
  });

  it('a process that runs a task past stallAfterMs raises `stall` once, naming the process', async () => {
    const offloader = create({ maxWorkers: 1, stallAfterMs: 50 });
    const stall = new Promise<StallInfo>((resolve) => offloader.once('stall', resolve));
    const controller = new AbortController();
    const hung = rejectionOf(offloader.run(hangs, undefined, { signal: controller.signal }));
    const info = await stall;
    expect(info).toMatchObject({ taskName: 'hangs', backend: 'local', action: 'report' });
    expect(info.worker).not.toBe(process.pid);
    controller.abort();
    await hung;
    expect(offloader.stats().local.stalls).toBe(1);
  });

  it("a process over workerMemoryMb (V8's heap limit) fails its task with ERR_WORKER_OUT_OF_MEMORY, as a thread does", async () => {
    const offloader = create({ maxWorkers: 1, workerMemoryMb: 64 });
    const error = await rejectionOf(offloader.run(heapHog, undefined));
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: 'ERR_WORKER_OUT_OF_MEMORY' });
    await expect(offloader.run(whereAmI, undefined)).resolves.toMatchObject({ cwd: process.cwd() });
  });

  it('aborts like a thread: a queued attempt never reaches a process, a running one is stopped and its process replaced', async () => {
    const offloader = create({ maxWorkers: 1, abortGraceMs: 50, stallAfterMs: 50 });
    const pid = (await offloader.run(whereAmI, undefined)).pid;
    const running = new AbortController();
    const queued = new AbortController();
    const dispatched: string[] = [];
    offloader.on('dispatch', (info) => dispatched.push(info.taskName));
    const hung = rejectionOf(offloader.run(hangs, undefined, { signal: running.signal }));
    const waiting = rejectionOf(offloader.run(whereAmI, undefined, { signal: queued.signal }));
    queued.abort();
    await expect(waiting).resolves.toBeInstanceOf(AbortError);
    // The stall event says the hanging task runs in the process: abort it there.
    await new Promise((resolve) => offloader.once('stall', resolve));
    running.abort();
    await expect(hung).resolves.toBeInstanceOf(AbortError);
    const next = await offloader.run(whereAmI, undefined);
    expect(next.pid).not.toBe(pid);
    expect(dispatched).toEqual(['hangs', 'whereAmI']);
    expect(offloader.stats().local.workerFaults).toBe(0);
  });
});
