/**
 * Sweeps one burst threshold over a range, simulating each value, marks the
 * settings on the p99/cost Pareto frontier and recommends one for a target.
 * Pure, like the simulator.
 */
import { ValidationError } from '../../src/errors.js';
import { simulate } from './simulate.js';
import type { SimulationResult, SimulationSetting, TraceArrival } from './types.js';

/** The burst threshold a sweep varies. */
type SweepParameter = 'maxWaitMs' | 'maxQueueDepth';

/** A sweep: `parameter` from `from` to `to` (inclusive) in `steps` values, evenly spaced. */
export interface Sweep {
  parameter: SweepParameter;
  from: number;
  to: number;
  steps: number;
}

/** What a recommendation aims for: the cheapest setting under a p99, or the fastest under a cost. */
export type Target = { p99Ms: number } | { maxCostUsd: number };

/** One simulated value of the swept threshold. */
export interface SweepRow extends SimulationResult {
  /** The swept threshold's value. */
  value: number;
  /** No other setting has both a lower-or-equal p99 and cost, one of them lower. */
  frontier: boolean;
}

/** Parses `maxWaitMs=50..2000`. */
export function parseSweep(text: string, steps: number): Sweep {
  const match = /^(maxWaitMs|maxQueueDepth)=(\d+(?:\.\d+)?)\.\.(\d+(?:\.\d+)?)$/.exec(text);
  if (match === null) {
    throw new ValidationError(`Expected \`--sweep\` to be maxWaitMs=FROM..TO or maxQueueDepth=FROM..TO, got "${text}"`, { path: 'sweep' });
  }
  const [from, to] = [Number(match[2]), Number(match[3])];
  if (to < from) throw new ValidationError(`Expected \`--sweep\` FROM <= TO, got "${text}"`, { path: 'sweep' });
  return { parameter: match[1] as SweepParameter, from, to, steps: from === to ? 1 : steps };
}

/** The values a sweep visits. */
function sweepValues(sweep: Sweep): number[] {
  if (sweep.steps <= 1) return [sweep.from];
  const step = (sweep.to - sweep.from) / (sweep.steps - 1);
  const values = Array.from({ length: sweep.steps }, (_, index) => sweep.from + index * step);
  return sweep.parameter === 'maxQueueDepth' ? [...new Set(values.map(Math.round))] : values;
}

/** Simulates every value of `sweep` on `base` (each with the same seed) and marks the frontier. */
export function runSweep(
  trace: readonly TraceArrival[],
  base: SimulationSetting,
  sweep: Sweep,
  onProgress?: (done: number, total: number) => void,
): SweepRow[] {
  const values = sweepValues(sweep);
  const rows = values.map((value, index) => {
    const result = simulate(trace, { ...base, burst: { ...base.burst, [sweep.parameter]: value } });
    onProgress?.(index + 1, values.length);
    return { value, ...result, frontier: false };
  });
  for (const row of rows) {
    row.frontier = !rows.some((other) => other.p99Ms <= row.p99Ms && other.costUsd <= row.costUsd && (other.p99Ms < row.p99Ms || other.costUsd < row.costUsd));
  }
  return rows;
}

/** The row that meets `target` best: the cheapest under a p99 target, the fastest under a cost cap; undefined when none meets it. */
export function recommend(rows: readonly SweepRow[], target: Target): SweepRow | undefined {
  let best: SweepRow | undefined;
  for (const row of rows) {
    if ('p99Ms' in target) {
      if (row.p99Ms > target.p99Ms) continue;
      if (best === undefined || row.costUsd < best.costUsd || (row.costUsd === best.costUsd && row.p99Ms < best.p99Ms)) best = row;
    } else {
      if (row.costUsd > target.maxCostUsd) continue;
      if (best === undefined || row.p99Ms < best.p99Ms || (row.p99Ms === best.p99Ms && row.costUsd < best.costUsd)) best = row;
    }
  }
  return best;
}
