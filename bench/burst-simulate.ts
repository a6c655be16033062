/**
 * bench/burst's use of `spillway simulate` (the package's own bin): record
 * separate calibration traces on the local pool (recordTrace of
 * spillway/dev), one of each measured shape (a spike, a ramp), choose the
 * burst threshold from a sweep over both, and predict p99 and cost of a
 * measured trace under the chosen threshold.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOffloader } from 'spillway';
import { recordTrace } from 'spillway/dev';
import { simulateRemoteSpecs } from './burst-cloud.js';
import type { CallerCosts } from './burst-dispatch.js';
import { replay } from './burst-replay.js';

const CLI = join(dirname(fileURLToPath(import.meta.resolve('spillway'))), 'cli', 'index.js');
const dir = mkdtempSync(join(tmpdir(), 'spillway-burst-'));

/** The targets, as upper bounds of hybrid / baseline. */
const TARGETS = { p99VsLocal: 0.1, p99VsRemote: 1.2, costVsRemote: 0.5 };

interface SimulatedRun {
  p99Ms: number;
  costUsd: number;
}
interface SimulateRow extends SimulatedRun {
  value: number;
}
interface SimulateReport {
  rows: SimulateRow[];
  /** Every task local; every task on the first remote (lambda, as the bench's always-remote mode). */
  baselines: { local: SimulatedRun; remote: SimulatedRun };
}

/** One `spillway simulate --json` run with this machine's measured `costs` (dispatch time, the stand-ins' transport). */
function simulate(trace: string, workers: number, sweep: string, costs: CallerCosts, extra: string[] = []): SimulateReport {
  const remotes = simulateRemoteSpecs(costs.transportMs).flatMap((spec) => ['--remote', spec]);
  const dispatch = ['--dispatch-ms', String(costs.dispatchMs)];
  const args = [
    CLI,
    'simulate',
    '--trace',
    trace,
    '--local-workers',
    String(workers),
    ...remotes,
    '--sweep',
    sweep,
    '--seed',
    '1',
    '--json',
    ...dispatch,
    ...extra,
  ];
  return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as SimulateReport;
}

/** A calibration trace recorded on a local-only offloader: its JSONL path and its measured run times. */
export interface Calibration {
  key: string;
  path: string;
  runsMs: number[];
}

/** Records `offsets` on a local-only offloader as calibration trace `key`. */
export async function recordCalibration(key: string, tasks: URL, workers: number, offsets: readonly number[]): Promise<Calibration> {
  const offloader = createOffloader({ tasks, local: { maxWorkers: workers, minWorkers: workers, maxQueue: 100_000 } });
  try {
    const recorder = recordTrace(offloader);
    await replay(offloader, 'local', offsets);
    const text = recorder.stop();
    const path = join(dir, `calibration-${key}.jsonl`);
    writeFileSync(path, text);
    const runsMs = text
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { durationMs: number }).durationMs);
    return { key, path, runsMs };
  } finally {
    await offloader.close();
  }
}

/** What the sweep chose. */
export interface Choice {
  maxWaitMs: number;
  /** The chosen setting's simulated misses: the sum over traces and targets of how far each ratio exceeds its target, relative to it (0: every target met). */
  score: number;
  /** Per calibration trace: the chosen setting's simulated ratios. */
  ratios: Record<string, { p99VsLocal: number; p99VsRemote: number; costVsRemote: number }>;
}

/**
 * Chooses `maxWaitMs` from one sweep per calibration trace (with the
 * caller's measured `dispatchMs`): the cheapest
 * setting (summed cost) whose simulated p99 and cost meet the issue's
 * targets against the simulated baselines of every trace; when none does,
 * the setting that misses them least (the sum of each ratio's excess over
 * its target, relative to it: a target no setting can meet then does not
 * hide the others), then the cheapest.
 */
export function chooseThreshold(calibrations: readonly Calibration[], workers: number, costs: CallerCosts): Choice {
  const reports = calibrations.map((calibration) => ({
    key: calibration.key,
    report: simulate(calibration.path, workers, 'maxWaitMs=0..2000', costs, ['--steps', '81']),
  }));
  let best: (Choice & { costUsd: number }) | undefined;
  for (const [index, row] of reports[0].report.rows.entries()) {
    const ratios: Choice['ratios'] = {};
    let score = 0;
    let costUsd = 0;
    for (const { key, report } of reports) {
      const { p99Ms, costUsd: cost } = report.rows[index];
      const { local, remote } = report.baselines;
      ratios[key] = { p99VsLocal: p99Ms / local.p99Ms, p99VsRemote: p99Ms / remote.p99Ms, costVsRemote: cost / remote.costUsd };
      for (const [name, bound] of Object.entries(TARGETS)) score += Math.max(0, ratios[key][name as keyof typeof TARGETS] / bound - 1);
      costUsd += cost;
    }
    const better = best === undefined || score < best.score || (score === best.score && costUsd < best.costUsd);
    if (better) best = { maxWaitMs: row.value, score, ratios, costUsd };
  }
  const { costUsd: _cost, ...choice } = best as Choice & { costUsd: number };
  return choice;
}

/**
 * Simulated p99 and cost of `offsets` with `maxWaitMs` and the caller's
 * measured `dispatchMs`: task `i` runs the
 * calibration's `i`th measured run time (cycled), so the simulated pool is
 * as fast as the pool measured on this machine, not a nominal one.
 */
export function predict(
  key: string,
  offsets: readonly number[],
  runsMs: readonly number[],
  setting: { workers: number; maxWaitMs: number; costs: CallerCosts },
): SimulatedRun {
  const path = join(dir, `${key}.jsonl`);
  writeFileSync(path, offsets.map((at, index) => `${JSON.stringify({ at, task: 'work', durationMs: runsMs[index % runsMs.length] })}\n`).join(''));
  const { workers, maxWaitMs, costs } = setting;
  const row = simulate(path, workers, `maxWaitMs=${maxWaitMs}..${maxWaitMs}`, costs).rows[0];
  return { p99Ms: row.p99Ms, costUsd: row.costUsd };
}
