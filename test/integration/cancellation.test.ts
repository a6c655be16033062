// Cooperative cancellation (issue 13, part 2): a task's `context.signal`
// aborts on its timeout, on its caller's signal and on destroy(); a task that
// stops keeps its worker, one that ignores the signal is terminated after its
// `abortGraceMs`, having had the chance to clean up.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { AbortError, type Offloader, TimeoutError } from '../../src/index.js';
import { cooperative, patient, whichThread } from '../fixtures/tasks.js';
import { offloaders, rejectionOf } from '../support/helpers.js';

const create = offloaders();
const scratch = mkdtempSync(join(tmpdir(), 'spillway-cancel-'));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await delay(5);
}

async function startedOn(offloader: Offloader): Promise<void> {
  await until(() => offloader.stats().local.running === 1);
}

describe('cooperative cancellation on the local pool', () => {
  it('gives the task its context: backend "local" on a worker, "inline" when called directly, a signal that has not aborted', async () => {
    const offloader = create({ maxWorkers: 1 });
    await expect(offloader.run(cooperative, 1)).resolves.toMatchObject({ aborted: false, backend: 'local' });
    await expect(cooperative(1)).resolves.toMatchObject({ aborted: false, backend: 'inline' });
  });

  it('a timeout aborts the signal; a task that stops keeps its worker', async () => {
    const offloader = create({ maxWorkers: 1 });
    const before = await offloader.run(whichThread, null);
    const error = await rejectionOf(offloader.run(cooperative, 600_000, { timeoutMs: 50 }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toMatch(/its signal was aborted/);
    await expect(offloader.run(whichThread, null)).resolves.toBe(before);
    expect(offloader.stats().local.workers).toBe(1);
    expect(offloader.stats().local.workerFaults).toBe(0);
  });

  it("the caller's signal aborts the running task's signal; a task that stops keeps its worker", async () => {
    const offloader = create({ maxWorkers: 1 });
    const before = await offloader.run(whichThread, null);
    const controller = new AbortController();
    const pending = offloader.run(cooperative, 600_000, { signal: controller.signal });
    await startedOn(offloader);
    controller.abort(new Error('user cancelled'));
    expect(await rejectionOf(pending)).toBeInstanceOf(AbortError);
    await expect(offloader.run(whichThread, null)).resolves.toBe(before);
  });

  it('a task that ignores its signal cleans up, then is terminated after its abortGraceMs and its worker replaced', async () => {
    const offloader = create({ maxWorkers: 1 });
    const before = await offloader.run(whichThread, null);
    const marker = join(scratch, 'timeout-cleanup');
    expect(await rejectionOf(offloader.run(patient, marker, { timeoutMs: 50 }))).toBeInstanceOf(TimeoutError);
    // The next task waits for the patient one's worker to be replaced.
    const after = await offloader.run(whichThread, null);
    expect(after).not.toBe(before);
    expect(readFileSync(marker, 'utf8')).toBe('TimeoutError');
  });

  it('destroy() aborts the running task, which may clean up within its grace period; pending tasks reject with AbortError', async () => {
    const offloader = create({ maxWorkers: 1 });
    const marker = join(scratch, 'destroy-cleanup');
    const pending = rejectionOf(offloader.run(patient, marker));
    await until(() => existsSync(`${marker}.started`));
    await offloader.destroy();
    expect(await pending).toBeInstanceOf(AbortError);
    expect(existsSync(marker) && readFileSync(marker, 'utf8')).toBe('AbortError');
  });

  it('abortGraceMs: 0 terminates the worker at once, as before', async () => {
    const offloader = create({ maxWorkers: 1, abortGraceMs: 0 });
    const before = await offloader.run(whichThread, null);
    const error = await rejectionOf(offloader.run(cooperative, 600_000, { timeoutMs: 50 }));
    expect((error as TimeoutError).message).toMatch(/terminated and replaced/);
    await expect(offloader.run(whichThread, null)).resolves.not.toBe(before);
  });
});
