// The default stall limit of remote attempts: the local pool's rule (10 × the
// task's p99, at least 30 s) applied to the wall times a remote answered in,
// with plain objects. Attempts are "sent" in the past to teach wall times
// without waiting; the end-to-end event is in test/integration/remote-stall.test.ts.
import { describe, expect, it } from 'vitest';
import { DurationEstimator } from '../../src/backends/local/duration-estimator.js';
import type { Backend, StallInfo } from '../../src/index.js';
import { RemoteStallWatch } from '../../src/offloader/remote-stall.js';
import { offloadable } from '../../src/task.js';
import { envelopeOf } from '../support/envelopes.js';

const remote = (stallAfterMs?: number) => ({ name: 'far', stallAfterMs }) as Backend;
const task = offloadable('slow', () => 1).definition;
const envelope = envelopeOf('slow', 1);

describe('remote stall limit', () => {
  it('is at least 30 s, 10 × the p99 wall time learned on that remote, else the local p99, else expectedDurationMs', () => {
    const local = new DurationEstimator();
    const watch = new RemoteStallWatch(local, () => {});
    expect(watch.limitMs(remote(), task, envelope)).toBe(30_000);
    expect(watch.limitMs(remote(), offloadable({ name: 'slow', expectedDurationMs: 4_000 }, () => 1).definition, envelope)).toBe(40_000);
    local.record('slow', 5_000);
    // Histograms keep 3 significant digits.
    expect(watch.limitMs(remote(), task, envelope)).toBeCloseTo(50_000, -2);
    // Answered in 6 s on `far`: its own wall time wins over the local run time; a failed attempt teaches nothing.
    watch.sent(remote(), task, envelope, performance.now() - 9_000)(false);
    watch.sent(remote(), task, envelope, performance.now() - 6_000)(true);
    expect(watch.limitMs(remote(), task, envelope)).toBeCloseTo(60_000, -2);
  });

  it("is the task's stallAfterMs, else the remote's, and off with a timeoutMs", () => {
    const watch = new RemoteStallWatch(new DurationEstimator(), () => {});
    expect(watch.limitMs(remote(500), task, envelope)).toBe(500);
    expect(watch.limitMs(remote(500), offloadable({ name: 'slow', stallAfterMs: 70 }, () => 1).definition, envelope)).toBe(70);
    expect(watch.limitMs(remote(500), task, { ...envelope, timeoutMs: 1_000 })).toBeUndefined();
  });

  it('an attempt sent longer ago than its limit is reported at once, once; one that settles first or is still queued is not', async () => {
    const stalls: StallInfo[] = [];
    const watch = new RemoteStallWatch(new DurationEstimator(), (stall) => stalls.push(stall));
    const end = watch.sent(remote(1_000), task, envelope, performance.now() - 1_500);
    watch.sent(remote(1_000), task, envelope, performance.now() - 1_500)(true);
    // Found waiting in the backend's own queue when its limit passes: not a stall.
    const waiting = watch.sent(remote(1_000), task, envelope, performance.now() - 1_500, () => true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    end(false);
    waiting(false);
    expect(stalls).toEqual([expect.objectContaining({ taskName: 'slow', taskId: envelope.id, backend: 'far', stallAfterMs: 1_000, action: 'report' })]);
    expect(stalls[0].runningMs).toBeGreaterThanOrEqual(1_500);
  });
});
