// The simulator core (infra/simulate/), pure: hand-computable traces check its arithmetic; sweeps check the frontier and the recommendation.
import { describe, expect, it } from 'vitest';
import { parseRemoteSpec } from '../../infra/simulate/remote-spec.js';
import { simulate } from '../../infra/simulate/simulate.js';
import { recommend, runSweep } from '../../infra/simulate/sweep.js';
import { parseTrace } from '../../infra/simulate/trace.js';
import type { SimulationSetting, TraceArrival } from '../../infra/simulate/types.js';

const noRemotes: SimulationSetting = { localWorkers: 2, remotes: [], burst: {}, cost: {}, seed: 1 };

/** A bursty trace: quiet stretches and spikes, two task names. */
function burstyTrace(count: number): TraceArrival[] {
  const arrivals: TraceArrival[] = [];
  let at = 0;
  for (let index = 0; index < count; index++) {
    at += index % 400 < 100 ? 1 : 15;
    arrivals.push({ at, task: index % 3 === 0 ? 'hash' : 'resize', durationMs: 20 + ((index * 7919) % 40) });
  }
  return arrivals;
}

describe('simulate', () => {
  it('runs 4 equal tasks on 2 workers in two rounds', () => {
    const trace = Array.from({ length: 4 }, () => ({ at: 0, task: 't', durationMs: 100 }));
    const result = simulate(trace, noRemotes);
    expect(result).toEqual({ p50Ms: 100, p99Ms: 200, makespanMs: 200, tasksPerBackend: { local: 4 }, coldStarts: {}, costUsd: 0 });
  });

  it('overflows the third task once the predicted wait passes maxWaitMs, and bills it', () => {
    const lambda = parseRemoteSpec('lambda:memory=1769,network=10,cold=0');
    const trace = Array.from({ length: 3 }, () => ({ at: 0, task: 't', durationMs: 100 }));
    // Never-measured tasks count 10 ms each. Task 1 runs; task 2 sees the running task's 10 ms ahead (<= 15 ms) and queues;
    // task 3 sees that plus one queued task: 20 ms > 15 ms.
    // latencyAware off: the threshold alone decides.
    const result = simulate(trace, { ...noRemotes, localWorkers: 1, remotes: [lambda], burst: { maxWaitMs: 15, latencyAware: false } });
    expect(result.tasksPerBackend).toEqual({ local: 2, lambda: 1 });
    expect(result.makespanMs).toBe(200);
    expect(result.p50Ms).toBe(110); // latencies 100, 110 (10 network + 100 run), 200
    expect(result.coldStarts).toEqual({ lambda: 1 });
    expect(result.costUsd).toBeCloseTo(0.0000002 + (100 * (1769 / 1024) * 0.0000166667) / 1000, 12);
  });

  it('sends a burst of remote attempts one dispatchMs apart (the caller sends them one at a time)', () => {
    const lambda = parseRemoteSpec('lambda:memory=1769,network=0,cold=0');
    const trace = Array.from({ length: 100 }, () => ({ at: 0, task: 't', durationMs: 20 }));
    const pinned: SimulationSetting = { ...noRemotes, remotes: [lambda], placement: 'lambda' };
    expect(simulate(trace, pinned)).toMatchObject({ p99Ms: 20, tasksPerBackend: { local: 0, lambda: 100 } });
    // The 99th of 100 attempts leaves 99 x 3 ms after its arrival; the last, 100 x 3 ms.
    const sent = simulate(trace, { ...pinned, dispatchMs: 3 });
    expect(sent.p99Ms).toBeCloseTo(20 + 99 * 3, 9);
    expect(sent.makespanMs).toBeCloseTo(20 + 100 * 3, 9);
    expect(sent.costUsd).toBe(simulate(trace, pinned).costUsd);
  });

  it('places every arrival on the pool with placement local, whatever the thresholds', () => {
    const trace = Array.from({ length: 4 }, () => ({ at: 0, task: 't', durationMs: 100 }));
    const setting: SimulationSetting = { ...noRemotes, remotes: [parseRemoteSpec('lambda')], burst: { maxQueueDepth: 0 }, placement: 'local' };
    expect(simulate(trace, setting)).toMatchObject({ p99Ms: 200, tasksPerBackend: { local: 4, lambda: 0 }, costUsd: 0 });
  });

  it('gives the same result for the same seed, and other draws for another', () => {
    const setting: SimulationSetting = { ...noRemotes, remotes: [parseRemoteSpec('lambda')], burst: { maxWaitMs: 50 } };
    const trace = burstyTrace(2000);
    expect(simulate(trace, setting)).toEqual(simulate(trace, setting));
    expect(simulate(trace, { ...setting, seed: 2 }).p50Ms).not.toBe(simulate(trace, setting).p50Ms);
  });

  it('keeps billed spend within the budget (each attempt reserves its timeout at the remote price)', () => {
    const setting: SimulationSetting = {
      ...noRemotes,
      remotes: [parseRemoteSpec('lambda')],
      burst: { maxWaitMs: 0 },
      cost: { budgetUsd: 0.0005 },
      timeoutMs: 1000,
    };
    const result = simulate(burstyTrace(2000), setting);
    expect(result.tasksPerBackend.lambda).toBeGreaterThan(0);
    expect(result.costUsd).toBeLessThanOrEqual(0.0005);
    expect(simulate(burstyTrace(2000), { ...setting, cost: {} }).tasksPerBackend.lambda).toBeGreaterThan(result.tasksPerBackend.lambda);
  });
});

describe('runSweep and recommend', () => {
  const base: SimulationSetting = { ...noRemotes, remotes: [parseRemoteSpec('lambda'), parseRemoteSpec('gcf')] };
  const rows = runSweep(burstyTrace(2000), base, { parameter: 'maxWaitMs', from: 0, to: 2000, steps: 12 });

  it('marks exactly the settings no other setting dominates on p99 and cost', () => {
    const dominated = (row: (typeof rows)[number]) =>
      rows.some((other) => other.p99Ms <= row.p99Ms && other.costUsd <= row.costUsd && (other.p99Ms < row.p99Ms || other.costUsd < row.costUsd));
    expect(rows.some((row) => row.frontier)).toBe(true);
    for (const row of rows) expect(row.frontier).toBe(!dominated(row));
  });

  it('recommends the cheapest setting meeting a p99 target, and the fastest under a cost cap', () => {
    const p99s = rows.map((row) => row.p99Ms).sort((a, b) => a - b);
    const target = p99s[Math.floor(p99s.length / 2)];
    const byP99 = recommend(rows, { p99Ms: target });
    expect(byP99?.p99Ms).toBeLessThanOrEqual(target);
    expect(byP99?.costUsd).toBe(Math.min(...rows.filter((row) => row.p99Ms <= target).map((row) => row.costUsd)));
    const costs = rows.map((row) => row.costUsd).sort((a, b) => a - b);
    const byCost = recommend(rows, { maxCostUsd: costs[3] });
    expect(byCost?.costUsd).toBeLessThanOrEqual(costs[3]);
    expect(recommend(rows, { p99Ms: -1 })).toBeUndefined();
  });
});

describe('parseTrace', () => {
  it('sorts arrivals and skips blank lines', () => {
    expect(parseTrace('{"at":5,"task":"b","durationMs":1}\n\n{"at":1,"task":"a","durationMs":2}\n')).toEqual([
      { at: 1, task: 'a', durationMs: 2 },
      { at: 5, task: 'b', durationMs: 1 },
    ]);
  });

  it('names the line of a bad record', () => {
    expect(() => parseTrace('{"at":1,"task":"a","durationMs":2}\n{"at":-1}')).toThrow(/trace line 2/);
  });
});
