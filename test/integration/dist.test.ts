// The published build, not the sources: dist/index.js must find its compiled
// worker (dist/local-worker.js) and run a plain-JS task module. `npm test`
// builds dist/ before running the suites.
import { describe, expect, it } from 'vitest';

describe('the built package', () => {
  it('runs run() and map() on its compiled worker', async () => {
    const { createOffloader, TaskError } = await import('../../dist/index.js');
    const { noop } = await import('../../bench/fixtures/tasks.mjs');
    const offloader = createOffloader({ tasks: new URL('../../bench/fixtures/tasks.mjs', import.meta.url), local: { maxWorkers: 2 } });
    try {
      await expect(offloader.run(noop, 41)).resolves.toBe(41);
      const inputs = Array.from({ length: 3_000 }, (_, index) => index);
      await expect(offloader.map(noop, inputs)).resolves.toEqual(inputs);
      expect(offloader.stats().backends.local.succeeded).toBe(3_001);
      expect(TaskError.name).toBe('TaskError');
    } finally {
      await offloader.close();
    }
  });
});
