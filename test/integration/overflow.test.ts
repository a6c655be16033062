// Automatic overflow through the public API: `placement: 'auto'` tasks stay
// on the local pool until the burst thresholds say it is saturated, then go
// to a remote within its concurrency cap and the cost budget.
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, createTaskRegistry, hashTaskModule } from '../../src/contract/index.js';
import { type Backend, type BudgetExhaustedInfo, createOffloader, type Offloader, type OffloaderOptions } from '../../src/index.js';
import * as fixtureTasks from '../fixtures/tasks.js';
import { sleep } from '../fixtures/tasks.js';
import { tasksUrl } from '../support/helpers.js';

/** A remote that runs envelopes in this thread through the shared runtime, billing a flat $0.01 per run. */
function flatRateRemote(maxConcurrency: number): Backend {
  const runtime = createRuntime(createTaskRegistry(fixtureTasks), { bundleHash: hashTaskModule(tasksUrl) });
  return {
    name: 'cloud',
    kind: 'custom',
    maxConcurrency,
    estimateCostUsd: () => 0.01,
    invoke: async (envelope) => JSON.parse(JSON.stringify(await runtime.execute(JSON.parse(JSON.stringify(envelope))))),
    close: async () => {},
    destroy: async () => {},
  };
}

const live: Offloader[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((offloader) => offloader.destroy()));
});
function create(options: Omit<OffloaderOptions, 'tasks'>): Offloader {
  const offloader = createOffloader({ tasks: tasksUrl, local: { maxWorkers: 1 }, ...options });
  live.push(offloader);
  return offloader;
}

describe('automatic overflow', () => {
  it('keeps auto tasks local without burst thresholds', async () => {
    const offloader = create({ remotes: [flatRateRemote(8)] });
    await Promise.all(Array.from({ length: 20 }, () => offloader.run(sleep, 5)));
    expect(offloader.stats().backends.cloud.dispatched).toBe(0);
    expect(offloader.stats().backends.local.succeeded).toBe(20);
  });

  it('overflows past maxQueueDepth, up to the remote cap, and bills what ran there', async () => {
    const offloader = create({ remotes: [flatRateRemote(8)], burst: { maxQueueDepth: 2 } });
    const results = await Promise.all(Array.from({ length: 40 }, (_, index) => offloader.run(sleep, 5 + (index % 3))));
    expect(results).toEqual(Array.from({ length: 40 }, (_, index) => 5 + (index % 3)));
    const { backends, spend } = offloader.stats();
    // Submitted together: the queue reaches depth 3 before the first overflow,
    // then the remote takes 8 (its cap) and the rest waits locally.
    expect(backends.cloud.succeeded).toBe(8);
    expect(backends.local.succeeded).toBe(32);
    expect(spend.byBackend.cloud).toBeCloseTo(0.08, 10);
    expect(spend.totalUsd).toBeCloseTo(0.08, 10);
  });

  it('stops overflow when the budget is spent and fires budgetExhausted once', async () => {
    const offloader = create({ remotes: [flatRateRemote(8)], burst: { maxQueueDepth: 2 }, cost: { budgetUsd: 0.035 } });
    const fired: BudgetExhaustedInfo[] = [];
    offloader.on('budgetExhausted', (info) => fired.push(info));
    await Promise.all(Array.from({ length: 40 }, () => offloader.run(sleep, 5)));
    await Promise.all(Array.from({ length: 40 }, () => offloader.run(sleep, 5)));
    const { backends, spend } = offloader.stats();
    expect(backends.cloud.succeeded).toBe(3);
    expect(spend.totalUsd).toBeLessThanOrEqual(0.035);
    expect(fired).toHaveLength(1);
    expect(fired[0].budgetUsd).toBe(0.035);
  });

  it('counts what is left of the running task in the predicted wait: a task arriving behind it overflows', async () => {
    const offloader = create({ remotes: [flatRateRemote(8)], burst: { maxWaitMs: 50 } });
    // Measured once: sleep runs ~300 ms here.
    await offloader.run(sleep, 300, { placement: 'local' });
    const first = offloader.run(sleep, 300);
    await new Promise((resolve) => setTimeout(resolve, 40));
    // The queue is empty, but the only worker holds ~260 ms of work (> 50 ms): the next task spills.
    let backend: string | undefined;
    await offloader.run(sleep, 5, { onSuccess: (_result, info) => (backend = info.backend) });
    await first;
    expect(backend).toBe('cloud');
    expect(offloader.stats().backends.local.succeeded).toBe(2);
  });

  it('refuses a cost preference naming no remote', () => {
    expect(() => createOffloader({ tasks: tasksUrl, remotes: [flatRateRemote(1)], cost: { prefer: ['lambda'] } })).toThrow(/cost\.prefer\[0\]/);
  });
});
