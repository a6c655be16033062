// The hybrid scheduler's pure decision, with plain objects.
import { describe, expect, it } from 'vitest';
import { createScheduler, predictWaitMs, type RemoteSignals, type SchedulerSnapshot } from '../../src/scheduler.js';

const task = { name: 'digest' };

function snapshot(
  overrides: {
    queueDepth?: number;
    predictedWaitMs?: number;
    remotes?: Partial<RemoteSignals>[];
    totalUsd?: number;
    lastHourUsd?: number;
    localBreaker?: 'closed' | 'open';
  } = {},
): SchedulerSnapshot {
  return {
    local: { queueDepth: overrides.queueDepth ?? 0, predictedWaitMs: overrides.predictedWaitMs ?? 0, breaker: overrides.localBreaker ?? 'closed' },
    remotes: (overrides.remotes ?? [{}]).map((remote, index) => ({
      name: `r${index}`,
      inFlight: 0,
      maxConcurrency: 10,
      breaker: 'closed',
      estimatedCostUsd: 0.001,
      ...remote,
    })),
    spend: { totalUsd: overrides.totalUsd ?? 0, lastHourUsd: overrides.lastHourUsd ?? 0 },
  };
}

describe('decide', () => {
  const scheduler = createScheduler({ maxQueueDepth: 32, maxWaitMs: 250 });

  it('keeps a task local while the pool is not saturated', () => {
    expect(scheduler.decide(task, snapshot({ queueDepth: 32, predictedWaitMs: 250 }))).toBe('local');
  });

  it('overflows to a remote when the queue is deeper than maxQueueDepth or the predicted wait exceeds maxWaitMs', () => {
    expect(scheduler.decide(task, snapshot({ queueDepth: 33 }))).toBe('r0');
    expect(scheduler.decide(task, snapshot({ predictedWaitMs: 251 }))).toBe('r0');
  });

  it('overflows when the local breaker is open', () => {
    expect(scheduler.decide(task, snapshot({ localBreaker: 'open' }))).toBe('r0');
  });

  it('skips open breakers, full remotes, and half-open remotes that already have their probe in flight', () => {
    const saturated = { queueDepth: 100 };
    expect(scheduler.decide(task, snapshot({ ...saturated, remotes: [{ breaker: 'open' }, {}] }))).toBe('r1');
    expect(scheduler.decide(task, snapshot({ ...saturated, remotes: [{ inFlight: 10 }, {}] }))).toBe('r1');
    expect(scheduler.decide(task, snapshot({ ...saturated, remotes: [{ breaker: 'half-open', inFlight: 1 }, {}] }))).toBe('r1');
    expect(scheduler.decide(task, snapshot({ ...saturated, remotes: [{ breaker: 'half-open', inFlight: 0 }] }))).toBe('r0');
  });

  it('queues locally when no remote may take the task', () => {
    expect(scheduler.decide(task, snapshot({ queueDepth: 100, remotes: [{ breaker: 'open' }] }))).toBe('queue');
    expect(scheduler.decide(task, snapshot({ queueDepth: 100, remotes: [] }))).toBe('queue');
  });
});

describe('cost rules', () => {
  const saturated = { queueDepth: 100 };

  it('refuses a remote whose estimate exceeds maxUsdPerTask', () => {
    const scheduler = createScheduler({ maxQueueDepth: 0 }, { maxUsdPerTask: 0.01 });
    expect(scheduler.decide(task, snapshot({ ...saturated, remotes: [{ estimatedCostUsd: 0.02 }, { estimatedCostUsd: 0.005 }] }))).toBe('r1');
  });

  it('stops overflow when the total or hourly budget would be exceeded', () => {
    const total = createScheduler({ maxQueueDepth: 0 }, { budgetUsd: 1 });
    expect(total.decide(task, snapshot({ ...saturated, totalUsd: 0.998 }))).toBe('r0');
    expect(total.decide(task, snapshot({ ...saturated, totalUsd: 0.9995 }))).toBe('queue');
    const hourly = createScheduler({ maxQueueDepth: 0 }, { budgetUsdPerHour: 0.5 });
    expect(hourly.decide(task, snapshot({ ...saturated, totalUsd: 100, lastHourUsd: 0.1 }))).toBe('r0');
    expect(hourly.decide(task, snapshot({ ...saturated, lastHourUsd: 0.4995 }))).toBe('queue');
    expect(hourly.budgetExhausted({ totalUsd: 0, lastHourUsd: 0.5 }, 0.001)).toBe(true);
  });

  it('prefers the cheapest, the fastest, or an explicit order', () => {
    const remotes = [
      { estimatedCostUsd: 0.003, expectedLatencyMs: 20 },
      { estimatedCostUsd: 0.001, expectedLatencyMs: 90 },
    ];
    expect(createScheduler({ maxQueueDepth: 0 }, { prefer: 'cheapest' }).decide(task, snapshot({ ...saturated, remotes }))).toBe('r1');
    expect(createScheduler({ maxQueueDepth: 0 }, { prefer: 'fastest' }).decide(task, snapshot({ ...saturated, remotes }))).toBe('r0');
    expect(createScheduler({ maxQueueDepth: 0 }, { prefer: ['r0', 'r1'] }).decide(task, snapshot({ ...saturated, remotes }))).toBe('r0');
    expect(createScheduler({ maxQueueDepth: 0 }, { prefer: ['r1'] }).decide(task, snapshot({ ...saturated, remotes: [{}, { breaker: 'open' }] }))).toBe(
      'queue',
    );
  });
});

describe('predictWaitMs', () => {
  it('thirty tiny queued tasks predict a short wait, thirty heavy ones a long one', () => {
    const estimates = new Map([
      ['tiny', 0.05],
      ['heavy', 40],
    ]);
    const estimate = (name: string) => estimates.get(name);
    const scheduler = createScheduler({ maxWaitMs: 250 });
    const tiny = predictWaitMs(new Map([['tiny', 30]]), estimate, 2);
    const heavy = predictWaitMs(new Map([['heavy', 30]]), estimate, 2);
    expect(tiny).toBeCloseTo(0.75);
    expect(heavy).toBe(600);
    expect(scheduler.decide(task, snapshot({ queueDepth: 30, predictedWaitMs: tiny }))).toBe('local');
    expect(scheduler.decide(task, snapshot({ queueDepth: 30, predictedWaitMs: heavy }))).toBe('r0');
  });

  it('counts tasks never measured with the given fallback', () => {
    expect(predictWaitMs(new Map([['new', 4]]), () => undefined, 2, 10)).toBe(20);
  });
});
