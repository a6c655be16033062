// The simulator's hedge rule (infra/simulate/hedge.ts), pure: a trace whose
// Lambda attempts straggle on cold starts, with a second remote that has
// none, shows the backup winning; maxExtraCost and the flag's parsing.
import { describe, expect, it } from 'vitest';
import { priceOf } from '../../infra/cloud-model/fleet.js';
import { parseHedge } from '../../infra/simulate/hedge.js';
import { parseRemoteSpec } from '../../infra/simulate/remote-spec.js';
import { simulate } from '../../infra/simulate/simulate.js';
import type { SimulationSetting, TraceArrival } from '../../infra/simulate/types.js';

/**
 * Groups of arrivals every 2 s on one local worker: the first runs locally,
 * the second queues, the rest overflow to Lambda (the preferred remote).
 * Groups of 3 reuse Lambda's warm environment; every 20th group from the
 * 40th is larger than any before, so one of its attempts starts a new
 * environment, cold: 8 stragglers in about 215 Lambda attempts.
 */
function trace(): TraceArrival[] {
  const arrivals: TraceArrival[] = [];
  for (let group = 0; group < 200; group++) {
    const size = group >= 40 && group % 20 === 0 ? 3 + (group - 20) / 20 : 3;
    for (let member = 0; member < size; member++) arrivals.push({ at: group * 2_000, task: 'resize', durationMs: 100 });
  }
  return arrivals;
}

const setting: SimulationSetting = {
  localWorkers: 1,
  remotes: [parseRemoteSpec('lambda:memory=1769,network=10,cold=1000'), parseRemoteSpec('gcf:cpu=1,network=10,cold=0')],
  // Placement by the thresholds and the preference alone: the latency-aware scheduler would keep the cold starts local.
  burst: { maxQueueDepth: 0, latencyAware: false },
  cost: { prefer: ['lambda', 'gcf'] },
  seed: 1,
  timeoutMs: 5_000,
};

describe('simulate with hedging', () => {
  it('sends a backup past the p95 of the remote durations: it wins over cold starts, lowers p99, and costs the backups', () => {
    const plain = simulate(trace(), setting);
    const hedged = simulate(trace(), { ...setting, hedge: parseHedge('p95') });
    expect(plain.hedges).toBeUndefined();
    expect(hedged.hedges?.sent).toBe(8);
    expect(hedged.hedges?.won).toBe(hedged.hedges?.sent);
    expect(hedged.p99Ms).toBeLessThan(plain.p99Ms);
    // The cancelled-in-vain Lambda attempts still bill; the backups are paid on top.
    expect(hedged.costUsd).toBeCloseTo(plain.costUsd + (hedged.hedges?.extraUsd ?? 0), 12);
    expect(hedged.tasksPerBackend).toEqual(plain.tasksPerBackend);
    expect(simulate(trace(), { ...setting, hedge: parseHedge('p95') })).toEqual(hedged);
  });

  it('stops hedging at maxExtraCost', () => {
    const all = simulate(trace(), { ...setting, hedge: parseHedge('95') });
    // Room for one backup's reservation (its timeout at the remote's price) and half of what all backups were billed.
    const cap = priceOf(setting.remotes[1], 5_000) + (all.hedges?.extraUsd ?? 0) / 2;
    const capped = simulate(trace(), { ...setting, hedge: parseHedge('95', cap) });
    expect(capped.hedges?.sent).toBeGreaterThan(0);
    expect(capped.hedges?.sent).toBeLessThan(all.hedges?.sent ?? 0);
    expect(capped.hedges?.extraUsd).toBeLessThanOrEqual(cap);
    expect(simulate(trace(), { ...setting, hedge: parseHedge('p95', 0) }).hedges?.sent).toBe(0);
  });

  it('parses --hedge as a percentile', () => {
    expect(parseHedge('p99.5')).toEqual({ afterPercentile: 99.5 });
    expect(() => parseHedge('p100')).toThrow(/Expected `--hedge` to be a percentile above 0 and below 100 such as p95, got "p100"/);
    expect(() => parseHedge('fast')).toThrow(/got "fast"/);
  });
});
