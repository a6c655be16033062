// The hybrid scheduler's pure decision, with plain objects.
import { describe, expect, it } from 'vitest';
import { createScheduler, eligible } from '../../src/scheduler/decide.js';
import { crossRegionUsd } from '../../src/scheduler/region.js';
import type { RemoteSignals, SchedulerSnapshot } from '../../src/scheduler/types.js';

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
    expect(scheduler.decide(snapshot({ queueDepth: 32, predictedWaitMs: 250 }))).toBe('local');
  });

  it('overflows to a remote when the queue is deeper than maxQueueDepth or the predicted wait exceeds maxWaitMs', () => {
    expect(scheduler.decide(snapshot({ queueDepth: 33 }))).toBe('r0');
    expect(scheduler.decide(snapshot({ predictedWaitMs: 251 }))).toBe('r0');
  });

  it('overflows when the local breaker is open', () => {
    expect(scheduler.decide(snapshot({ localBreaker: 'open' }))).toBe('r0');
  });

  it('skips open breakers, full remotes, and half-open remotes that already have their probe in flight', () => {
    const saturated = { queueDepth: 100 };
    expect(scheduler.decide(snapshot({ ...saturated, remotes: [{ breaker: 'open' }, {}] }))).toBe('r1');
    expect(scheduler.decide(snapshot({ ...saturated, remotes: [{ inFlight: 10 }, {}] }))).toBe('r1');
    expect(scheduler.decide(snapshot({ ...saturated, remotes: [{ breaker: 'half-open', inFlight: 1 }, {}] }))).toBe('r1');
    expect(scheduler.decide(snapshot({ ...saturated, remotes: [{ breaker: 'half-open', inFlight: 0 }] }))).toBe('r0');
  });

  it('queues locally when no remote may take the task', () => {
    expect(scheduler.decide(snapshot({ queueDepth: 100, remotes: [{ breaker: 'open' }] }))).toBe('queue');
    expect(scheduler.decide(snapshot({ queueDepth: 100, remotes: [] }))).toBe('queue');
  });
});

describe('cost rules', () => {
  const saturated = { queueDepth: 100 };

  it('refuses a remote whose estimate exceeds maxUsdPerTask', () => {
    const scheduler = createScheduler({ maxQueueDepth: 0 }, { maxUsdPerTask: 0.01 });
    expect(scheduler.decide(snapshot({ ...saturated, remotes: [{ estimatedCostUsd: 0.02 }, { estimatedCostUsd: 0.005 }] }))).toBe('r1');
  });

  it('stops overflow when the total or hourly budget would be exceeded', () => {
    const total = createScheduler({ maxQueueDepth: 0 }, { budgetUsd: 1 });
    expect(total.decide(snapshot({ ...saturated, totalUsd: 0.998 }))).toBe('r0');
    expect(total.decide(snapshot({ ...saturated, totalUsd: 0.9995 }))).toBe('queue');
    const hourly = createScheduler({ maxQueueDepth: 0 }, { budgetUsdPerHour: 0.5 });
    expect(hourly.decide(snapshot({ ...saturated, totalUsd: 100, lastHourUsd: 0.1 }))).toBe('r0');
    expect(hourly.decide(snapshot({ ...saturated, lastHourUsd: 0.4995 }))).toBe('queue');
    expect(hourly.budgetExhausted({ totalUsd: 0, lastHourUsd: 0.5 }, 0.001)).toBe(true);
  });

  it('prefers the cheapest, the fastest, or an explicit order', () => {
    const remotes = [
      { estimatedCostUsd: 0.003, expectedLatencyMs: 20 },
      { estimatedCostUsd: 0.001, expectedLatencyMs: 90 },
    ];
    expect(createScheduler({ maxQueueDepth: 0 }, { prefer: 'cheapest' }).decide(snapshot({ ...saturated, remotes }))).toBe('r1');
    expect(createScheduler({ maxQueueDepth: 0 }, { prefer: 'fastest' }).decide(snapshot({ ...saturated, remotes }))).toBe('r0');
    expect(createScheduler({ maxQueueDepth: 0 }, { prefer: ['r0', 'r1'] }).decide(snapshot({ ...saturated, remotes }))).toBe('r0');
    expect(createScheduler({ maxQueueDepth: 0 }, { prefer: ['r1'] }).decide(snapshot({ ...saturated, remotes: [{}, { breaker: 'open' }] }))).toBe('queue');
  });
});

describe('waits', () => {
  it('thirty tiny queued tasks predict a short wait and stay local, thirty heavy ones overflow', () => {
    const scheduler = createScheduler({ maxWaitMs: 250 });
    expect(scheduler.decide(snapshot({ queueDepth: 30, predictedWaitMs: 0.75 }))).toBe('local');
    expect(scheduler.decide(snapshot({ queueDepth: 30, predictedWaitMs: 600 }))).toBe('r0');
  });
});

describe('eligible', () => {
  const remote = (overrides: Partial<RemoteSignals> = {}): RemoteSignals => ({
    name: 'r',
    inFlight: 0,
    maxConcurrency: 2,
    breaker: 'closed',
    estimatedCostUsd: 0.01,
    ...overrides,
  });
  const spend = { totalUsd: 0, lastHourUsd: 0 };

  it('takes a closed remote under its cap, and none that is open or full', () => {
    expect(eligible(remote(), spend, {})).toBe(true);
    expect(eligible(remote({ inFlight: 1 }), spend, {})).toBe(true);
    expect(eligible(remote({ inFlight: 2 }), spend, {})).toBe(false);
    expect(eligible(remote({ breaker: 'open' }), spend, {})).toBe(false);
  });

  it('lets a half-open remote take exactly one probe at a time', () => {
    expect(eligible(remote({ breaker: 'half-open' }), spend, {})).toBe(true);
    expect(eligible(remote({ breaker: 'half-open', inFlight: 1 }), spend, {})).toBe(false);
  });

  it('refuses an estimate over maxUsdPerTask, and counts a remote without a price model as free', () => {
    expect(eligible(remote({ estimatedCostUsd: 0.02 }), spend, { maxUsdPerTask: 0.01 })).toBe(false);
    expect(eligible(remote({ estimatedCostUsd: 0.01 }), spend, { maxUsdPerTask: 0.01 })).toBe(true);
    expect(eligible(remote({ estimatedCostUsd: undefined }), spend, { maxUsdPerTask: 0, budgetUsd: 0 })).toBe(true);
  });

  it('refuses a run the total or hourly budget has no room for', () => {
    expect(eligible(remote(), { totalUsd: 0.995, lastHourUsd: 0 }, { budgetUsd: 1 })).toBe(false);
    expect(eligible(remote(), { totalUsd: 0.99, lastHourUsd: 0 }, { budgetUsd: 1 })).toBe(true);
    expect(eligible(remote(), { totalUsd: 5, lastHourUsd: 0.5 }, { budgetUsdPerHour: 0.505 })).toBe(false);
  });

  it('is the rule the scheduler applies', () => {
    const scheduler = createScheduler({}, { maxUsdPerTask: 0.01 });
    for (const signals of [remote(), remote({ breaker: 'half-open', inFlight: 1 }), remote({ estimatedCostUsd: 0.02 }), remote({ inFlight: 2 })]) {
      expect(scheduler.eligible(signals, spend)).toBe(eligible(signals, spend, { maxUsdPerTask: 0.01 }));
    }
  });
});

describe('data region', () => {
  const scheduler = createScheduler({ maxQueueDepth: 0 });
  const remotes = [
    { region: 'us-east-1', estimatedCostUsd: 0.001 },
    { region: 'eu-west-1', estimatedCostUsd: 0.002 },
  ];

  it('puts an eligible remote in the data`s region before a cheaper one elsewhere; without a data region the cheapest wins', () => {
    expect(scheduler.decide({ ...snapshot({ queueDepth: 1, remotes }), dataRegion: 'eu-west-1' })).toBe('r1');
    expect(scheduler.decide(snapshot({ queueDepth: 1, remotes }))).toBe('r0');
    // No remote there: the usual rank.
    expect(scheduler.decide({ ...snapshot({ queueDepth: 1, remotes }), dataRegion: 'ap-south-1' })).toBe('r0');
    // The remote in the region is not eligible: the next one.
    expect(scheduler.decide({ ...snapshot({ queueDepth: 1, remotes: [remotes[0], { ...remotes[1], breaker: 'open' }] }), dataRegion: 'eu-west-1' })).toBe('r0');
  });

  it('prices moving data between regions per GB, and nothing within a region or when a region is unknown', () => {
    expect(crossRegionUsd('eu-west-1', 'us-east-1', 2 ** 30, 0.02)).toBeCloseTo(0.02);
    expect(crossRegionUsd('eu-west-1', 'eu-west-1', 2 ** 30, 0.02)).toBe(0);
    expect(crossRegionUsd('eu-west-1', undefined, 2 ** 30, 0.02)).toBe(0);
  });
});
