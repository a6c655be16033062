// Warm-ups (`burst.prewarm`) at the edges: the runtime answers a warm-up
// without running a task, and the offloader bills and ignores the
// `unknown-task` answer of a handler that predates warm-ups, within the
// budgets; a throttled warm-up leaves no environment counted warm, and each
// warm-up is on the timeline and in the `prewarm` event. The remotes are
// custom backends (the public Backend interface): no server is needed to
// answer one envelope.
import { describe, expect, it, vi } from 'vitest';
import { type Backend, createRuntime, createTaskRegistry, ENVELOPE_VERSION, serialize, type TaskEnvelope, WARM_UP_TASK } from '../../src/contract/index.js';
import { CapacityError, createOffloader, offloadable, type PrewarmInfo } from '../../src/index.js';

const tasks = new URL('../fixtures/model-tasks.mjs', import.meta.url);
const { nap } = await import('../fixtures/model-tasks.mjs');

describe('the runtime', () => {
  it('answers a warm-up at once, runs nothing, and checks no bundle hash', async () => {
    const ran = vi.fn();
    const runtime = createRuntime(createTaskRegistry({ work: offloadable('work', ran) }), { bundleHash: 'h1' });
    const envelope: TaskEnvelope = {
      version: ENVELOPE_VERSION,
      id: 'w1',
      task: WARM_UP_TASK,
      bundleHash: 'other',
      attempt: 1,
      input: serialize(null, 'input'),
    };
    expect(await runtime.execute(envelope)).toEqual({ version: ENVELOPE_VERSION, id: 'w1', ok: true, output: serialize(null, 'output'), durationMs: 0 });
    expect(ran).not.toHaveBeenCalled();
  });
});

/** A remote whose handler predates warm-ups: it answers `unknown-task` to them. Each invocation bills $1 + $1 per ms. */
function oldRemote(throttle = false): Backend & { seen: string[] } {
  const seen: string[] = [];
  return {
    name: 'old',
    kind: 'custom',
    maxConcurrency: 10,
    maxBilledDurationMs: 1_000,
    latencyProfile: { coldStartMs: 60_000, speedFactor: 1, warmMs: 60_000, networkMs: 0 },
    estimateCostUsd: (durationMs) => 1 + durationMs,
    seen,
    invoke: async (envelope) => {
      seen.push(envelope.task);
      if (throttle) throw new CapacityError('429 Too Many Requests', { code: 'ERR_BACKEND_THROTTLED' });
      return {
        version: ENVELOPE_VERSION,
        id: envelope.id,
        ok: false,
        kind: 'unknown-task',
        error: { name: 'Error', message: `Unknown task "${envelope.task}"` },
        durationMs: 2,
      };
    },
    close: async () => {},
    destroy: async () => {},
  };
}

async function spike(budgetUsd: number): Promise<{ remote: ReturnType<typeof oldRemote>; prewarms: number; spendUsd: number; ranLocal: number }> {
  const remote = oldRemote();
  const offloader = createOffloader({
    tasks,
    local: { maxWorkers: 1, minWorkers: 1 },
    remotes: [remote],
    burst: { maxQueueDepth: 0, prewarm: { maxEnvironments: 2, onQueueGrowth: 3 } },
    cost: { budgetUsd },
  });
  try {
    await offloader.run(nap, 1, { placement: 'local' });
    // The remote predicts a minute of cold start: every task stays local.
    const backends: string[] = [];
    await Promise.all(Array.from({ length: 8 }, () => offloader.run(nap, 1, { onSuccess: (_v, { backend }) => backends.push(backend) })));
    await vi.waitFor(() => expect(offloader.stats().backends.old.prewarms).toBe(remote.seen.length));
    await vi.waitFor(() => expect(offloader.stats().spend.totalUsd).toBe(remote.seen.length * 3));
    const { prewarms } = offloader.stats().backends.old;
    const rows = offloader.timeline().attempts.filter((attempt) => attempt.reason === 'prewarm');
    expect(rows.map(({ taskName, backend, outcome }) => ({ taskName, backend, outcome }))).toEqual(
      remote.seen.map(() => ({ taskName: WARM_UP_TASK, backend: 'old', outcome: 'ok' })),
    );
    expect(rows.reduce((sum, row) => sum + (row.estimatedUsd ?? 0), 0)).toBe(offloader.stats().spend.totalUsd);
    return { remote, prewarms, spendUsd: offloader.stats().spend.totalUsd, ranLocal: backends.filter((backend) => backend === 'local').length };
  } finally {
    await offloader.close();
  }
}

describe('warm-ups to a handler that predates them', () => {
  it('are billed and their unknown-task answer ignored', async () => {
    const { remote, prewarms, spendUsd, ranLocal } = await spike(1_000_000);
    expect(prewarms).toBe(2);
    expect(remote.seen).toEqual([WARM_UP_TASK, WARM_UP_TASK]);
    // $1 request + 2 ms reported, each.
    expect(spendUsd).toBe(6);
    expect(ranLocal).toBe(8);
  }, 30_000);

  it('are not sent when the budget cannot hold their reservation', async () => {
    // One warm-up reserves $1 + its 1,100 ms bound: a $100 budget has no room.
    const { remote, prewarms, spendUsd } = await spike(100);
    expect(prewarms).toBe(0);
    expect(remote.seen).toEqual([]);
    expect(spendUsd).toBe(0);
  }, 30_000);
});

describe('a throttled warm-up', () => {
  it('leaves no environment counted warm: the next spike warms again; each spike is one prewarm event', async () => {
    const remote = oldRemote(true);
    const offloader = createOffloader({
      tasks,
      local: { maxWorkers: 1, minWorkers: 1 },
      remotes: [remote],
      burst: { maxQueueDepth: 0, prewarm: { maxEnvironments: 2, onQueueGrowth: 3 } },
    });
    const events: PrewarmInfo[] = [];
    offloader.on('prewarm', (info) => events.push(info));
    try {
      await offloader.run(nap, 1, { placement: 'local' });
      const queue = () => Promise.all(Array.from({ length: 8 }, () => offloader.run(nap, 1)));
      await queue();
      await vi.waitFor(() => expect(offloader.timeline().attempts.filter((attempt) => attempt.reason === 'prewarm')).toHaveLength(2));
      // The spike window is one second: the next queue is a new spike.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await queue();
      await vi.waitFor(() => expect(remote.seen).toHaveLength(4));
      expect(events.map(({ backend, warmUps, busy, warmIdle }) => ({ backend, warmUps, busy, warmIdle }))).toEqual([
        { backend: 'old', warmUps: 2, busy: 0, warmIdle: 0 },
        { backend: 'old', warmUps: 2, busy: 0, warmIdle: 0 },
      ]);
      expect(events.every((event) => event.queued >= 3)).toBe(true);
      await vi.waitFor(() => expect(offloader.timeline().attempts.filter((attempt) => attempt.reason === 'prewarm')).toHaveLength(4));
      const outcomes = offloader
        .timeline()
        .attempts.filter((attempt) => attempt.reason === 'prewarm')
        .map((attempt) => attempt.outcome);
      expect(outcomes).toEqual(Array(4).fill('ERR_BACKEND_THROTTLED'));
    } finally {
      await offloader.close();
    }
  }, 30_000);
});
