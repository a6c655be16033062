// A worker fault that surfaces after its task settled (a timer that exits or
// throws, an unhandled rejection) is charged to that task, as an `error`
// event and in stats, never to the task the worker runs next: that one is
// run again or succeeds (issue 13, break 2).
import { describe, expect, it } from 'vitest';
import { BackendError, type LateFaultInfo } from '../../src/index.js';
import { faultLater, sleep } from '../fixtures/tasks.js';
import { offloaders } from '../support/helpers.js';

const create = offloaders();

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
