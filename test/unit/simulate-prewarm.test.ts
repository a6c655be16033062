// `burst.prewarm` in the simulator (infra/simulate/prewarm.ts): a hand-computable spike, a spike trace where it pays, the budget, `--prewarm` parsing.
import { describe, expect, it } from 'vitest';
import { parsePrewarm } from '../../infra/simulate/prewarm.js';
import { parseRemoteSpec } from '../../infra/simulate/remote-spec.js';
import { simulate } from '../../infra/simulate/simulate.js';
import { runSweep } from '../../infra/simulate/sweep.js';
import type { SimulationSetting, TraceArrival } from '../../infra/simulate/types.js';
import { ValidationError } from '../../src/errors.js';

/** Five episodes a minute apart (longer than `warm`): a 2 s ramp a little above the pool's 20 tasks/s, then 1 s at 100 tasks/s. */
function episodes(): TraceArrival[] {
  const arrivals: TraceArrival[] = [];
  for (let episode = 0; episode < 5; episode++) {
    const base = episode * 60_000;
    for (let index = 0; index < 50; index++) arrivals.push({ at: base + index * 40, task: 'resize', durationMs: 100 });
    for (let index = 0; index < 100; index++) arrivals.push({ at: base + 2_000 + index * 10, task: 'resize', durationMs: 100 });
  }
  return arrivals;
}

const lambda = parseRemoteSpec('lambda:memory=1769,network=20-40,cold=800-1000,warm=20000');
const base: SimulationSetting = { localWorkers: 2, remotes: [lambda], burst: { maxWaitMs: 100 }, cost: {}, seed: 1 };
const prewarm = { maxEnvironments: 20, onQueueGrowth: 2 };

describe('simulate with burst.prewarm', () => {
  it('sends maxEnvironments warm-ups once the queue grew onQueueGrowth in a second, billed their INIT into the cost', () => {
    const fixed = parseRemoteSpec('lambda:memory=1769,network=10,cold=100');
    // One worker: the queue is 0, 0, 1, 2 deep at the arrivals at 0-3 ms; the fourth sees growth 2 since the window began.
    const trace = Array.from({ length: 4 }, (_, index) => ({ at: index, task: 't', durationMs: 50 }));
    // No thresholds: every task stays local, so the whole cost is the warm-ups'.
    const result = simulate(trace, { ...base, localWorkers: 1, remotes: [fixed], burst: { prewarm: { maxEnvironments: 2, onQueueGrowth: 2 } } });
    const warmUpUsd = 0.0000002 + (100 * ((1769 / 1024) * 0.0000166667)) / 1000;
    expect(result.tasksPerBackend).toEqual({ local: 4, lambda: 0 });
    expect(result.prewarm).toEqual({ sent: 2, coldStarts: 2, costUsd: expect.closeTo(2 * warmUpUsd, 15) });
    expect(result.costUsd).toBeCloseTo(2 * warmUpUsd, 15);
    expect(result.coldStarts).toEqual({ lambda: 2 });
    expect(result.makespanMs).toBe(200);
  });

  it("bills a warm-up at least the fleet's billing increment: Cloud Run functions round INIT up to 100 ms", () => {
    const trace = Array.from({ length: 4 }, (_, index) => ({ at: index, task: 't', durationMs: 50 }));
    const perMs = (0.000024 + 2 * 0.0000025) / 1000;
    const setting = (cold: string): SimulationSetting => ({
      ...base,
      localWorkers: 1,
      remotes: [parseRemoteSpec(`gcf:cpu=1,memory=2048,network=10,cold=${cold}`)],
      burst: { prewarm: { maxEnvironments: 1, onQueueGrowth: 2 } },
    });
    expect(simulate(trace, setting('150')).costUsd).toBeCloseTo(0.0000004 + 200 * perMs, 15);
    expect(simulate(trace, setting('0')).costUsd).toBeCloseTo(0.0000004 + 100 * perMs, 15);
  });

  it('on a spike trace, spares the tasks cold starts and cuts p99; the warm-ups cost is in the total', () => {
    const off = simulate(episodes(), base);
    const on = simulate(episodes(), { ...base, burst: { ...base.burst, prewarm } });
    expect(off.prewarm).toBeUndefined();
    expect(on.prewarm?.sent).toBeGreaterThan(0);
    expect(on.prewarm?.costUsd).toBeGreaterThan(0);
    const taskColdStarts = on.coldStarts.lambda - (on.prewarm?.coldStarts ?? 0);
    expect(taskColdStarts).toBeLessThan(off.coldStarts.lambda);
    // Without warm-ups the tail is a cold start (800-1,000 ms) plus the run; with them, the tasks overflow to warm environments.
    expect(on.p99Ms).toBeLessThan(off.p99Ms / 2);
    expect(on.costUsd).toBeGreaterThan(on.prewarm?.costUsd ?? 0);
    expect(simulate(episodes(), { ...base, burst: { ...base.burst, prewarm } })).toEqual(on);
  });

  it('sends no warm-up the budget has no room for', () => {
    const result = simulate(episodes(), { ...base, burst: { ...base.burst, prewarm }, cost: { budgetUsd: 0 } });
    expect(result.prewarm).toEqual({ sent: 0, coldStarts: 0, costUsd: 0 });
    expect(result.costUsd).toBe(0);
  });

  it('keeps pre-warming in every setting of a sweep', () => {
    const rows = runSweep(episodes(), { ...base, burst: { prewarm } }, { parameter: 'maxWaitMs', from: 50, to: 200, steps: 3 });
    for (const row of rows) expect(row.prewarm?.sent).toBeGreaterThan(0);
  });
});

describe('parsePrewarm', () => {
  it('reads both keys in any order', () => {
    expect(parsePrewarm('maxEnvironments=4,onQueueGrowth=8')).toEqual({ maxEnvironments: 4, onQueueGrowth: 8 });
    expect(parsePrewarm('onQueueGrowth=1, maxEnvironments=1000')).toEqual({ maxEnvironments: 1000, onQueueGrowth: 1 });
  });

  it.each([
    'maxEnvironments=0,onQueueGrowth=2',
    'maxEnvironments=4',
    'maxEnvironments=2.5,onQueueGrowth=1',
    'maxEnvironments=1001,onQueueGrowth=1',
    'maxEnvironments=4,onQueueGrowth=8,burst=1',
    'maxEnvironments=,onQueueGrowth=8',
    '4,8',
  ])('rejects %j with an ERR_VALIDATION naming the flag and the form', (text) => {
    const error = (() => {
      try {
        parsePrewarm(text);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'ERR_VALIDATION', path: 'prewarm' });
    expect((error as Error).message).toContain('Expected `--prewarm` to be maxEnvironments=N,onQueueGrowth=M');
    expect((error as Error).message).toContain(`got "${text}"`);
  });
});
