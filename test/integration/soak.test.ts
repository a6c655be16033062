// The storm of issue 13 part 5, 45 s of arrivals (`npm run soak` runs the same
// bench/soak-storm.ts for 210 s): tasks arrive from a timer onto the 2-worker
// pool, the real Functions Framework, real serverless-offline and the
// in-process chaos remote; 20% of remote attempts are throttled, answered
// 503, hung past the client timeout or reset; the Functions Framework is
// killed with requests in flight and serverless-offline restarted; a quarter
// of the tasks are not idempotent; every execution is journalled.
import { describe, expect, it } from 'vitest';
import { runSoak } from '../../bench/soak-storm.js';

/** Codes that prove an attempt never started: a non-idempotent task failing with one of them should have been retried. */
const NEVER_STARTED = ['ERR_BACKEND_THROTTLED', 'ERR_BACKEND_UNREACHABLE', 'ERR_CIRCUIT_OPEN', 'ERR_QUEUE_FULL'];

describe('soak', () => {
  it('settles every task exactly once through faults, a killed server, a restart and a binding budget', async () => {
    const report = await runSoak({ durationMs: 45_000 });
    const { details } = report;
    const context = JSON.stringify(report);

    expect(report.lost, context).toBe(0);
    expect(report.doubleSettled, context).toBe(0);
    expect(report.nonIdempotentReruns, context).toBe(0);
    expect(report.remoteShare, context).toBeGreaterThanOrEqual(0.3);
    // Results: every idempotent task succeeded with the right value and ran at least once.
    expect(details.wrongResults, context).toBe(0);
    expect(details.failedIdempotent, context).toBe(0);
    expect(details.idempotentNeverRan, context).toBe(0);
    // Non-idempotent tasks fail only on a fault that may have come after they ran.
    for (const code of Object.keys(details.failureCodes)) {
      expect(code, context).toMatch(/^ERR_BACKEND_/);
      expect(NEVER_STARTED, context).not.toContain(code);
    }
    // The budget bound and held.
    expect(details.budgetBound, context).toBe(true);
    expect(report.budgetOvershoot, context).toBeLessThanOrEqual(0);
    // Every remote ran tasks and faced every kind of fault; the server was killed mid-request.
    for (const remote of ['gcf', 'lambda', 'chaos']) {
      expect(details.settledOn[remote], context).toBeGreaterThan(0);
      expect(
        Object.values(details.faults[remote] ?? {}).every((count) => count > 0),
        context,
      ).toBe(true);
    }
    expect(details.gcfInFlightAtKill, context).toBeGreaterThan(0);
    // Both restarted emulators' breakers opened, then closed again.
    for (const remote of ['gcf', 'lambda']) {
      const transitions = details.breakers[remote] ?? [];
      expect(transitions, context).toContain('open');
      expect(transitions.lastIndexOf('close'), context).toBeGreaterThan(transitions.indexOf('open'));
    }
    // Back to the baseline (emulators up, no offloader): no handle left, memory bounded.
    expect(details.handleGrowth, context).toEqual({});
    expect(details.heapGrowthMb, context).toBeLessThan(16);
    expect(report.rssGrowthMb, context).toBeLessThan(96);
  }, 240_000);
});
