/**
 * `spillway simulate`'s work (infra/cli/simulate-command.ts wires it): reads
 * the trace file, builds the setting from the flags, runs the sweep and
 * renders the result as a table or as one JSON-ready object.
 */
import { readFile } from 'node:fs/promises';
import { ValidationError } from '../../src/errors.js';
import type { HedgeOptions } from '../../src/hedge-options.js';
import type { PrewarmPolicy } from '../../src/scheduler/types.js';
import { parseHedge } from './hedge.js';
import { parsePrewarm } from './prewarm.js';
import { parseRemoteSpec } from './remote-spec.js';
import { simulate } from './simulate.js';
import { parseSweep, recommend, runSweep, type SweepRow, type Target } from './sweep.js';
import { parseTrace } from './trace.js';
import type { RemoteModel, SimulationResult } from './types.js';

/** The flags of `spillway simulate`, parsed. */
export interface SimulateOptions {
  trace: string;
  localWorkers: number;
  remote: string[];
  sweep: string;
  steps: number;
  budget?: number;
  targetP99?: number;
  maxCost?: number;
  seed: number;
  timeoutMs: number;
  /** `--dispatch-ms`: the caller's time to send one remote attempt (sends are serialized). */
  dispatchMs?: number;
  /** `--hedge p95`: every task hedges past that percentile. */
  hedge?: string;
  /** `--hedge-max-extra-cost`: the hedge's `maxExtraCost`. */
  hedgeMaxExtraCost?: number;
  /** `--prewarm maxEnvironments=N,onQueueGrowth=M`: every setting pre-warms as `burst.prewarm`. */
  prewarm?: string;
}

/** What `spillway simulate --json` prints. */
export interface SimulateReport {
  arrivals: number;
  localWorkers: number;
  remotes: RemoteModel[];
  parameter: string;
  seed: number;
  /** The hedge rule simulated (`--hedge`), if any. */
  hedge?: HedgeOptions;
  /** The pre-warming simulated (`--prewarm`), if any: each row's `prewarm` says what it sent and cost. */
  prewarm?: PrewarmPolicy;
  target?: Target;
  rows: SweepRow[];
  /**
   * The same trace with every task on the local pool (`local`) and every
   * task on the first remote (`remote`, as `placement: '<its name>'`): what
   * a setting's p99 and cost compare with.
   */
  baselines: { local: SimulationResult; remote?: SimulationResult };
  /** The recommended row's swept value; absent without a target or when no setting meets it. */
  recommended?: number;
}

function targetOf(options: SimulateOptions): Target | undefined {
  if (options.targetP99 !== undefined && options.maxCost !== undefined) {
    throw new ValidationError('Expected at most one of `--target-p99` and `--max-cost`, got both', { path: 'target' });
  }
  if (options.targetP99 !== undefined) return { p99Ms: options.targetP99 };
  return options.maxCost === undefined ? undefined : { maxCostUsd: options.maxCost };
}

/** Runs the sweep the flags describe; `onProgress` hears how many settings are done. */
export async function runSimulate(options: SimulateOptions, onProgress: (line: string) => void): Promise<SimulateReport> {
  const target = targetOf(options);
  const remotes = options.remote.map(parseRemoteSpec);
  const names = remotes.map((remote) => remote.name);
  if (new Set(names).size !== names.length) {
    throw new ValidationError(`Expected distinct remote names (add name=... to a --remote), got ${names.join(', ')}`, { path: 'remote' });
  }
  const sweep = parseSweep(options.sweep, options.steps);
  const hedge = options.hedge === undefined ? undefined : parseHedge(options.hedge, options.hedgeMaxExtraCost);
  const prewarm = options.prewarm === undefined ? undefined : parsePrewarm(options.prewarm);
  const trace = parseTrace(await readFile(options.trace, 'utf8'));
  onProgress(`simulating ${trace.length} arrivals, ${sweep.steps} settings of ${sweep.parameter}`);
  const cost = options.budget === undefined ? {} : { budgetUsd: options.budget };
  const base = {
    localWorkers: options.localWorkers,
    remotes,
    burst: prewarm === undefined ? {} : { prewarm },
    cost,
    seed: options.seed,
    timeoutMs: options.timeoutMs,
    hedge,
    dispatchMs: options.dispatchMs ?? 0,
  };
  const started = performance.now();
  const rows = runSweep(trace, base, sweep);
  const seconds = (performance.now() - started) / 1000;
  onProgress(`${rows.length} settings in ${seconds.toFixed(2)} s (${Math.round((rows.length / Math.max(seconds, 1e-9)) * 60)} settings per minute)`);
  const best = target === undefined ? undefined : recommend(rows, target);
  const baselines = {
    local: simulate(trace, { ...base, placement: 'local' }),
    ...(remotes.length === 0 ? {} : { remote: simulate(trace, { ...base, placement: remotes[0].name }) }),
  };
  const report: SimulateReport = {
    arrivals: trace.length,
    localWorkers: options.localWorkers,
    remotes,
    parameter: sweep.parameter,
    seed: options.seed,
    rows,
    baselines,
  };
  if (target !== undefined) report.target = target;
  if (hedge !== undefined) report.hedge = hedge;
  if (prewarm !== undefined) report.prewarm = prewarm;
  if (best !== undefined) report.recommended = best.value;
  return report;
}

/** The report as a table: one row per setting, `*` on the frontier, `<-` on the recommendation. */
export function reportText(report: SimulateReport): string {
  const backends = ['local', ...report.remotes.map((remote) => remote.name)];
  const hedged = report.rows.some((row) => row.hedges !== undefined);
  const prewarmed = report.rows.some((row) => row.prewarm !== undefined);
  const header = [
    report.parameter.padStart(12),
    'p50 ms'.padStart(9),
    'p99 ms'.padStart(9),
    'makespan ms'.padStart(12),
    ...backends.map((name) => name.padStart(8)),
    'cost USD'.padStart(12),
    ...(hedged ? ['hedges'.padStart(7), 'won'.padStart(6)] : []),
    ...(prewarmed ? ['warm-ups'.padStart(8), 'warm-up USD'.padStart(12)] : []),
    ' frontier',
  ];
  const lines = [header.join(' ')];
  for (const row of report.rows) {
    const cells = [
      row.value.toFixed(1).padStart(12),
      row.p50Ms.toFixed(1).padStart(9),
      row.p99Ms.toFixed(1).padStart(9),
      row.makespanMs.toFixed(0).padStart(12),
    ];
    for (const name of backends) cells.push(String(row.tasksPerBackend[name] ?? 0).padStart(8));
    cells.push(row.costUsd.toFixed(6).padStart(12));
    if (hedged) cells.push(String(row.hedges?.sent ?? 0).padStart(7), String(row.hedges?.won ?? 0).padStart(6));
    if (prewarmed) cells.push(String(row.prewarm?.sent ?? 0).padStart(8), (row.prewarm?.costUsd ?? 0).toFixed(6).padStart(12));
    cells.push(row.frontier ? '   *' : '', row.value === report.recommended ? ' <- recommended' : '');
    lines.push(cells.join(' ').trimEnd());
  }
  const { local, remote } = report.baselines;
  const baseline = (name: string, row: SimulationResult): string =>
    `${name}: p50 ${row.p50Ms.toFixed(1)} ms, p99 ${row.p99Ms.toFixed(1)} ms, cost $${row.costUsd.toFixed(6)}`;
  lines.push(`every task ${baseline('local', local)}${remote === undefined ? '' : `; every task ${baseline(`on ${report.remotes[0].name}`, remote)}`}`);
  if (report.target !== undefined) {
    const goal = 'p99Ms' in report.target ? `p99 <= ${report.target.p99Ms} ms, cheapest` : `cost <= $${report.target.maxCostUsd}, fastest`;
    lines.push(
      report.recommended === undefined ? `no setting meets ${goal}` : `recommended: ${report.parameter}=${Number(report.recommended.toFixed(1))} (${goal})`,
    );
  }
  return lines.join('\n');
}
