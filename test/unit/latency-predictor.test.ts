// The scheduler's latency prediction (src/scheduler/latency-predictor.ts) and how decide reads it: pure, with a clock passed in.
import { describe, expect, it } from 'vitest';
import { createScheduler } from '../../src/scheduler/decide.js';
import { LatencyPredictor } from '../../src/scheduler/latency-predictor.js';
import { MovingAverage } from '../../src/scheduler/moving-average.js';
import type { RemoteSignals, SchedulerSnapshot } from '../../src/scheduler/types.js';

const profile = { coldStartMs: 500, speedFactor: 2, warmMs: 60_000, networkMs: 40 };

function predictor(): LatencyPredictor {
  return new LatencyPredictor(new Map([['lambda', profile]]));
}

describe('MovingAverage', () => {
  it('counts the seed as one sample, runs as a mean while samples are few, then weighs the newest 0.2', () => {
    const average = new MovingAverage(100);
    average.record(200);
    expect(average.value).toBe(150);
    average.record(150);
    expect(average.value).toBe(150);
    average.record(250);
    expect(average.value).toBe(175);
    average.record(175);
    average.record(375);
    expect(average.value).toBe(215);
    expect(new MovingAverage().value).toBeUndefined();
  });
});

describe('LatencyPredictor', () => {
  it('predicts cold start + network + the local run time x speed factor before any run', () => {
    expect(predictor().predict('lambda', 't', 100, 0)).toEqual({ coldStartMs: 500, networkMs: 40, runMs: 200, warmIdle: 0, latencyMs: 740 });
    expect(predictor().predict('other', 't', 100, 0)).toBeUndefined();
  });

  it('expects no cold start while an environment idles within the warm period, and one once it is reclaimed or taken', () => {
    const model = predictor();
    model.started('lambda', 0);
    expect(model.environments('lambda', 0)).toEqual({ busy: 1, warmIdle: 0 });
    model.settled('lambda', 1000);
    expect(model.predict('lambda', 't', 100, 2000)?.coldStartMs).toBe(0);
    model.started('lambda', 2000);
    expect(model.predict('lambda', 't', 100, 2000)?.coldStartMs).toBe(500);
    model.settled('lambda', 3000);
    expect(model.predict('lambda', 't', 100, 3000 + 60_000)?.coldStartMs).toBe(0);
    expect(model.predict('lambda', 't', 100, 3001 + 60_000)).toMatchObject({ coldStartMs: 500, warmIdle: 0 });
  });

  it('counts no environment for an attempt released without reaching one (throttled, refused)', () => {
    const model = predictor();
    model.started('lambda', 0);
    model.released('lambda');
    expect(model.environments('lambda', 0)).toEqual({ busy: 0, warmIdle: 0 });
    expect(model.predict('lambda', 't', 100, 0)?.coldStartMs).toBe(500);
    model.released('lambda');
    expect(model.environments('lambda', 0)).toEqual({ busy: 0, warmIdle: 0 });
  });

  it('learns run time per task, and cold start and network per remote, from what attempts measured', () => {
    const model = predictor();
    model.started('lambda', 0);
    model.settled('lambda', 1000, { task: 't', runMs: 300, coldStartMs: 900, wallMs: 1260 });
    model.started('lambda', 1000);
    const warm = model.predict('lambda', 't', 100, 1000);
    // Run: measured 300 (no seed for a measured task); network: mean of 40 and 60; cold start: mean of 500 and 900.
    expect(warm).toMatchObject({ runMs: 300, networkMs: 50, coldStartMs: 700 });
    expect(model.predict('lambda', 'other', 100, 1000)?.runMs).toBe(200);
  });
});

describe('decide with predicted latencies', () => {
  const remote: RemoteSignals = { name: 'lambda', inFlight: 0, maxConcurrency: 10, breaker: 'closed' };
  const snapshot = (predictedLatencyMs: number | undefined, predictedWaitMs: number): SchedulerSnapshot => ({
    local: { queueDepth: 5, predictedWaitMs, predictedRunMs: 100, breaker: 'closed' },
    remotes: [{ ...remote, ...(predictedLatencyMs === undefined ? {} : { predictedLatencyMs }) }],
    spend: { totalUsd: 0, lastHourUsd: 0 },
  });

  it('overflows only to a remote predicted faster than the wait plus the run locally', () => {
    const scheduler = createScheduler({ maxQueueDepth: 0 });
    expect(scheduler.decide(snapshot(740, 600))).toBe('local');
    expect(scheduler.decide(snapshot(740, 700))).toBe('lambda');
    expect(scheduler.decide(snapshot(undefined, 0))).toBe('lambda');
  });

  it('stops waiting for the pool once it has been saturated for the predicted cold start', () => {
    const scheduler = createScheduler({ maxQueueDepth: 0 });
    const cold = (saturatedForMs: number, predictedColdStartMs: number): SchedulerSnapshot => {
      const base = snapshot(740, 600);
      return { ...base, local: { ...base.local, saturatedForMs }, remotes: [{ ...base.remotes[0], predictedColdStartMs }] };
    };
    expect(scheduler.decide(cold(599, 600))).toBe('local');
    expect(scheduler.decide(cold(600, 600))).toBe('lambda');
    // A warm remote predicted slower than the pool stays behind it however long the overload.
    expect(scheduler.decide(cold(60_000, 0))).toBe('local');
  });

  it('never picks a cold remote by that rule when it is slower than the pool even warm', () => {
    const scheduler = createScheduler({ maxQueueDepth: 0 });
    // The pool: 50 ms wait + 20 ms run. Lambda warm, 75 ms; gcf cold, 3,000 ms cold start + 120 ms warm.
    const base = snapshot(75, 50);
    const overload: SchedulerSnapshot = {
      ...base,
      local: { ...base.local, predictedRunMs: 20, saturatedForMs: 3_500 },
      remotes: [
        { ...remote, predictedLatencyMs: 75, predictedColdStartMs: 0 },
        { ...remote, name: 'gcf', predictedLatencyMs: 3_120, predictedColdStartMs: 3_000 },
      ],
    };
    expect(scheduler.decide(overload)).toBe('local');
    // Warm, gcf's 120 ms would beat a 150 ms local wait: then the rule lets it start an environment.
    expect(scheduler.decide({ ...overload, local: { ...overload.local, predictedWaitMs: 130 } })).toBe('lambda');
    const lambdaBusy = { ...overload, local: { ...overload.local, predictedWaitMs: 130 }, remotes: [overload.remotes[1]] };
    expect(scheduler.decide(lambdaBusy)).toBe('gcf');
  });

  it('applies the threshold alone with latencyAware: false', () => {
    expect(createScheduler({ maxQueueDepth: 0, latencyAware: false }).decide(snapshot(740, 600))).toBe('lambda');
  });
});
