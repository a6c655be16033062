// A worker fault that surfaces after its task settled (a timer that exits or
// throws, an unhandled rejection) is charged to that task, as an `error`
// event and in stats, never to the task the worker runs next: that one is
// run again or succeeds (issue 13, break 2).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendError, type LateFaultInfo } from '../../src/index.js';
import { faultLater, journaled, sleep } from '../fixtures/tasks.js';
import { offloaders, rejectionOf } from '../support/helpers.js';

const create = offloaders();
const scratch = mkdtempSync(join(tmpdir(), 'spillway-late-'));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('faults that surface after their task settled', () => {
  for (const kind of ['exit', 'throw-in-timer', 'reject-in-timer', 'unhandled-in-body']) {
    it(`${kind}: the next task on the worker succeeds, and the fault is reported with the culprit's task id`, async () => {
      const offloader = create({ maxWorkers: 1 });
      const faults: LateFaultInfo[] = [];
      let culpritId = '';
      offloader.on('error', (info) => faults.push(info));
      offloader.on('success', (info) => {
        if (info.taskName === 'faultLater') culpritId = info.taskId;
      });
      await expect(offloader.run(faultLater, { kind, ms: 50 })).resolves.toBe('returned');
      await expect(offloader.run(sleep, 400)).resolves.toBe(400);
      await expect(offloader.run(sleep, 1)).resolves.toBe(1);
      expect(faults).toHaveLength(1);
      expect(faults[0].taskId).toBe(culpritId);
      expect(faults[0].taskName).toBe('faultLater');
      expect(faults[0].backend).toBe('local');
      expect(faults[0].error).toBeInstanceOf(BackendError);
      expect(offloader.stats().local.workerFaults).toBe(1);
    });
  }
});

describe('an innocent non-idempotent task that had started when a late fault killed its worker', () => {
  it('is not run again: it fails with a BackendError saying why, and its journal has one line', async () => {
    const offloader = create({ maxWorkers: 1 });
    const faults: LateFaultInfo[] = [];
    offloader.on('error', (info) => faults.push(info));
    const journal = join(scratch, 'journal');
    await expect(offloader.run(faultLater, { kind: 'exit', ms: 50 })).resolves.toBe('returned');
    // `journaled` waits far longer than the fault's timer: the worker dies under it.
    const error = await rejectionOf(offloader.run(journaled, { journal, ms: 600_000 }));
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).code).toBe('ERR_WORKER_EXITED');
    expect((error as BackendError).message).toMatch(/from a fault of task "faultLater".*not run again because it is not idempotent/);
    expect(readFileSync(journal, 'utf8')).toBe('ran\n');
    expect(faults.map((fault) => fault.taskName)).toEqual(['faultLater']);
    await expect(offloader.run(sleep, 1)).resolves.toBe(1);
  });
});
