/**
 * bench/burst's use of `spillway simulate` (the package's own bin): record a
 * separate calibration trace on the local pool (recordTrace of spillway/dev),
 * choose the burst threshold from a sweep over it, and predict p99 and cost
 * of a measured trace under the chosen threshold.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOffloader } from 'spillway';
import { recordTrace } from 'spillway/dev';
import { simulateRemoteSpecs } from './burst-cloud.js';
import { quantile, replay } from './burst-replay.js';

const CLI = join(dirname(fileURLToPath(import.meta.resolve('spillway'))), 'cli', 'index.js');
const dir = mkdtempSync(join(tmpdir(), 'spillway-burst-'));

interface SimulateRow {
  value: number;
  p99Ms: number;
  costUsd: number;
  frontier: boolean;
}
interface SimulateReport {
  rows: SimulateRow[];
  recommended?: number;
}

function simulate(trace: string, workers: number, sweep: string, extra: string[] = []): SimulateReport {
  const remotes = simulateRemoteSpecs().flatMap((spec) => ['--remote', spec]);
  const args = [CLI, 'simulate', '--trace', trace, '--local-workers', String(workers), ...remotes, '--sweep', sweep, '--seed', '1', '--json', ...extra];
  return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as SimulateReport;
}

/** A calibration trace recorded on a local-only offloader: its JSONL path and median run time. */
export async function recordCalibration(tasks: URL, workers: number, offsets: readonly number[]): Promise<{ path: string; medianRunMs: number }> {
  const offloader = createOffloader({ tasks, local: { maxWorkers: workers, minWorkers: workers, maxQueue: 100_000 } });
  try {
    const recorder = recordTrace(offloader);
    await replay(offloader, 'local', offsets);
    const text = recorder.stop();
    const path = join(dir, 'calibration.jsonl');
    writeFileSync(path, text);
    const runs = text
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { durationMs: number }).durationMs);
    return { path, medianRunMs: quantile(runs, 0.5) };
  } finally {
    await offloader.close();
  }
}

/** What the sweep chose. */
export interface Choice {
  maxWaitMs: number;
  /** The p99 target given to the sweep: 0.1 x the simulated local-only p99. */
  targetP99Ms: number;
  /** The sweep met the target (else the frontier's fastest setting). */
  metTarget: boolean;
}

/** Chooses `maxWaitMs`: the cheapest setting whose simulated p99 is at most 0.1 x the simulated local-only p99. */
export function chooseThreshold(trace: string, workers: number): Choice {
  const localOnly = simulate(trace, workers, 'maxWaitMs=100000000..100000000').rows[0];
  const targetP99Ms = Math.round(0.1 * localOnly.p99Ms);
  const report = simulate(trace, workers, 'maxWaitMs=0..2000', ['--steps', '81', '--target-p99', String(targetP99Ms)]);
  if (report.recommended !== undefined) return { maxWaitMs: report.recommended, targetP99Ms, metTarget: true };
  const fastest = report.rows.reduce((best, row) => (row.p99Ms < best.p99Ms ? row : best));
  return { maxWaitMs: fastest.value, targetP99Ms, metTarget: false };
}

/** Simulated p99 and cost of `offsets` (each task `runMs`) with `maxWaitMs`. */
export function predict(key: string, offsets: readonly number[], runMs: number, workers: number, maxWaitMs: number): { p99Ms: number; costUsd: number } {
  const path = join(dir, `${key}.jsonl`);
  writeFileSync(path, offsets.map((at) => `${JSON.stringify({ at, task: 'work', durationMs: runMs })}\n`).join(''));
  const row = simulate(path, workers, `maxWaitMs=${maxWaitMs}..${maxWaitMs}`).rows[0];
  return { p99Ms: row.p99Ms, costUsd: row.costUsd };
}
