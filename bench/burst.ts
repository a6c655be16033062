/**
 * bench/burst: arrival traces that look like real traffic, replayed against
 * three placements of the same task on a modelled cloud (issue 12).
 *
 * The cloud (bench/burst-cloud.ts): the real Functions Framework and
 * serverless-offline serve the task (it sleeps its 20 ms there, off this
 * machine's cores) behind the cloud model of spillway/dev: a Lambda fleet of
 * 1,769 MB with its scaling rate and a Cloud Functions gen2 fleet of
 * 1 vCPU / 2 GiB (40-80 ms network, 400-1,200 ms cold starts, 10 min warm).
 * Each measured run gets fresh model fronts: it meets a cold fleet. Cost is
 * the model's bill (INIT included, per ms on Lambda, per 100 ms on Cloud
 * Functions).
 *
 * The threshold is chosen by `spillway simulate`, not by hand: separate
 * calibration traces of both shapes (a spike, a ramp) are recorded on the
 * local pool (recordTrace); a sweep over each gives every `maxWaitMs` its
 * simulated p99 and cost and the simulated local-only and Lambda-only
 * baselines; the choice is the cheapest setting meeting the issue's three
 * targets on both, else the one with the smallest worst ratio-to-target.
 * The simulator is given what this machine adds to a remote attempt,
 * measured first (bench/burst-dispatch.ts): the caller's dispatch time and
 * the stand-ins' transport (HTTP, emulator, model front), which widens each
 * fleet's network range.
 *
 * Modes, per trace (burst, ramp) and repetition, each on a fresh offloader:
 *   always-local   placement 'local'
 *   always-remote  placement 'lambda' (the fleet 'cheapest' prefers for 20 ms tasks)
 *   hybrid         placement 'auto', remotes [lambda, gcf], burst { maxWaitMs: chosen }
 * Medians over the repetitions (BURST_REPS, default 3) with the range;
 * always-local on the ramp runs RAMP_LOCAL_REPS times (default 1: it takes
 * over a minute).
 * Then a tiny-budget run (budgetOvershoot = billed / budget - 1, must be <= 0)
 * and the simulator's prediction of each trace against the measured hybrid
 * medians. The last line is one JSON object with the issue's keys, plus the
 * ramp's `rampP99VsRemote`, `rampSimVsMeasuredP99`, `rampSimVsMeasuredCost`.
 *
 * Run: npm run bench:burst   (builds dist/ first). Reduced runs while
 * iterating: BURST_REPS=1, BURST_TRACES=burst (or ramp; keys of a skipped
 * trace print null), BURST_BUDGET_RUN=0 (budgetOvershoot null).
 */
import { type Backend, createOffloader, type Offloader } from 'spillway';
import { type Emulators, LOCAL_TASKS_URL, startEmulators } from './burst-cloud.js';
import { type CallerCosts, measureCallerCosts } from './burst-dispatch.js';
import { quantile, replay } from './burst-replay.js';
import { chooseThreshold, predict, recordCalibration } from './burst-simulate.js';
import { burstTrace, calibrationTraces, rampTrace, type TraceShape } from './burst-traces.js';
import { work } from './fixtures/burst-tasks.mjs';

const WORKERS = 2;
const REPS = Number(process.env.BURST_REPS ?? 3);
/** Always-local on the ramp queues for over a minute: measured this many times (the bench stays near 10 min). */
const RAMP_LOCAL_REPS = Number(process.env.RAMP_LOCAL_REPS ?? 1);
const BUDGET_USD = 0.0003;
const TRACES = (process.env.BURST_TRACES ?? 'burst,ramp').split(',');
const BUDGET_RUN = process.env.BURST_BUDGET_RUN !== '0';
type ModeKey = 'local' | 'remote' | 'hybrid';
interface RunResult {
  p50: number;
  p99: number;
  makespanMs: number;
  costUsd: number;
  byBackend: Record<string, number>;
  failed: number;
}

function offloaderFor(remotes: Backend[], burst?: { maxWaitMs?: number; maxQueueDepth?: number }, cost?: { budgetUsd: number }): Offloader {
  return createOffloader({
    tasks: LOCAL_TASKS_URL,
    local: { maxWorkers: WORKERS, minWorkers: WORKERS, maxQueue: 100_000 },
    remotes,
    ...(burst === undefined ? {} : { burst }),
    ...(cost === undefined ? {} : { cost }),
  });
}

async function measure(emulators: Emulators, shape: TraceShape, mode: ModeKey, maxWaitMs: number, seed: number): Promise<RunResult> {
  const cloud = await emulators.run(seed);
  const offloader = offloaderFor(cloud.remotes, mode === 'hybrid' ? { maxWaitMs } : undefined);
  try {
    await Promise.all(Array.from({ length: 20 }, (_, index) => offloader.run(work, index, { placement: 'local' })));
    const placement = mode === 'local' ? 'local' : mode === 'remote' ? 'lambda' : 'auto';
    const run = await replay(offloader, placement, shape.offsets);
    const result = {
      p50: quantile(run.latencies, 0.5),
      p99: quantile(run.latencies, 0.99),
      makespanMs: run.makespanMs,
      costUsd: await cloud.billedUsd(),
      byBackend: run.byBackend,
      failed: run.failed,
    };
    const spread = Object.entries(run.byBackend)
      .map(([name, count]) => `${name} ${count}`)
      .join(', ');
    console.log(
      `  ${shape.key} ${mode.padEnd(6)} p50 ${result.p50.toFixed(0).padStart(6)} ms  p99 ${result.p99.toFixed(0).padStart(6)} ms  makespan ${(result.makespanMs / 1000).toFixed(1)} s  cost $${result.costUsd.toFixed(6)}  [${spread}] failed ${run.failed}  lag ${run.maxLagMs.toFixed(0)} ms  (${await cloud.summary()})`,
    );
    return result;
  } finally {
    await offloader.close();
    await cloud.stop();
  }
}

/** Billed / budget - 1 of a hybrid run with a tiny budget (each task with a 2 s timeout, so one fits the budget's reservation). */
async function budgetRun(emulators: Emulators): Promise<number> {
  const cloud = await emulators.run(99);
  const offloader = offloaderFor(cloud.remotes, { maxQueueDepth: 0 }, { budgetUsd: BUDGET_USD });
  try {
    const offsets = Array.from({ length: 300 }, () => 0);
    const run = await replay(offloader, 'auto', offsets, 2000);
    const billed = await cloud.billedUsd();
    console.log(
      `  tiny budget $${BUDGET_USD}: billed $${billed.toFixed(6)} [${Object.entries(run.byBackend)
        .map(([k, v]) => `${k} ${v}`)

        .join(', ')}] (${await cloud.summary()})`,
    );
    return billed / BUDGET_USD - 1;
  } finally {
    await offloader.close();
    await cloud.stop();
  }
}

const median = (values: number[]): number => quantile(values, 0.5);
const range = (values: number[], digits = 0): string => `${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}`;
const round = (value: number, digits = 3): number => Math.round(value * 10 ** digits) / 10 ** digits;

const emulators = await startEmulators();
const summary: Record<string, Record<ModeKey, RunResult[]>> = {};
let choice: ReturnType<typeof chooseThreshold>;
let overshoot = Number.NaN;
let runsMs: number[];
let costs: CallerCosts;
try {
  const warm = await emulators.run(0);
  const warmOffloader = offloaderFor(warm.remotes);
  await Promise.all(['lambda', 'gcf'].map((placement) => warmOffloader.run(work, 0, { placement })));
  await warmOffloader.close();
  await warm.stop();

  const traces = calibrationTraces();
  const calibrations = [
    await recordCalibration('spike', LOCAL_TASKS_URL, WORKERS, traces.spike),
    await recordCalibration('ramp', LOCAL_TASKS_URL, WORKERS, traces.ramp),
  ];
  runsMs = calibrations.flatMap((calibration) => calibration.runsMs);
  costs = await measureCallerCosts(emulators, WORKERS);
  const transport = Object.entries(costs.transportMs)
    .map(([fleet, [low, high]]) => `${fleet} ${low.toFixed(1)}-${high.toFixed(1)} ms`)
    .join(', ');
  console.log(
    `caller's time per remote attempt in a burst (spillway simulate --dispatch-ms): ${costs.dispatchMs.toFixed(2)} ms; the stand-ins' transport per attempt (p10-p90, added to the simulated network): ${transport}`,
  );
  choice = chooseThreshold(calibrations, WORKERS, costs);
  const simulated = Object.entries(choice.ratios)
    .map(
      ([key, ratios]) =>
        `${key} ${Object.entries(ratios)
          .map(([name, value]) => `${name} ${value.toFixed(3)}`)
          .join(' ')}`,
    )
    .join('; ');
  console.log(
    `calibration traces: local run p50 ${quantile(runsMs, 0.5).toFixed(1)} ms, mean ${(runsMs.reduce((a, b) => a + b, 0) / runsMs.length).toFixed(1)} ms; spillway simulate chose maxWaitMs ${choice.maxWaitMs} (${choice.score === 0 ? 'meets every target in simulation' : `no setting meets every target in simulation; summed relative excess ${choice.score.toFixed(2)}`}; ${simulated})`,
  );
  for (const shape of [burstTrace(), rampTrace()].filter((trace) => TRACES.includes(trace.key))) {
    console.log(`${shape.label} (${shape.offsets.length} tasks), ${WORKERS} local workers, ${REPS} repetitions`);
    summary[shape.key] = { local: [], remote: [], hybrid: [] };
    for (let rep = 0; rep < REPS; rep++) {
      for (const mode of ['local', 'remote', 'hybrid'] as const) {
        if (shape.key === 'ramp' && mode === 'local' && rep >= RAMP_LOCAL_REPS) continue;
        summary[shape.key][mode].push(await measure(emulators, shape, mode, choice.maxWaitMs, 1 + rep * 10));
      }
    }
  }
  if (BUDGET_RUN) overshoot = await budgetRun(emulators);
} finally {
  await emulators.stop();
}

const med = (shape: string, mode: ModeKey, key: 'p50' | 'p99' | 'costUsd') => median(summary[shape][mode].map((run) => run[key]));
console.log('');
console.log('trace  mode     p50 ms (range)          p99 ms (range)           cost USD (range)');
for (const shape of Object.keys(summary)) {
  for (const mode of ['local', 'remote', 'hybrid'] as const) {
    const runs = summary[shape][mode];
    const col = (key: 'p50' | 'p99') => `${med(shape, mode, key).toFixed(0)} (${range(runs.map((run) => run[key]))})`.padEnd(24);
    console.log(
      `${shape.padEnd(6)} ${mode.padEnd(8)} ${col('p50')} ${col('p99')} ${med(shape, mode, 'costUsd').toFixed(6)} (${range(
        runs.map((run) => run.costUsd),
        6,
      )})`,
    );
  }
}
const ran = (shape: string): boolean => summary[shape] !== undefined;
const ratio = (shape: string, mode: ModeKey, key: 'p99' | 'costUsd', base: ModeKey): number =>
  ran(shape) ? med(shape, mode, key) / med(shape, base, key) : Number.NaN;
const predicted = Object.fromEntries(
  [burstTrace(), rampTrace()]
    .filter((shape) => ran(shape.key))
    .map((shape) => [shape.key, predict(shape.key, shape.offsets, runsMs, { workers: WORKERS, maxWaitMs: choice.maxWaitMs, costs })]),
);
const simVs = (shape: string, key: 'p99' | 'costUsd'): number =>
  ran(shape) ? (key === 'p99' ? predicted[shape].p99Ms : predicted[shape].costUsd) / med(shape, 'hybrid', key) : Number.NaN;
const ratios = {
  p99VsLocal: ratio('burst', 'hybrid', 'p99', 'local'),
  p99VsRemote: ratio('burst', 'hybrid', 'p99', 'remote'),
  costVsRemote: ratio('burst', 'hybrid', 'costUsd', 'remote'),
  simVsMeasuredP99: simVs('burst', 'p99'),
  simVsMeasuredCost: simVs('burst', 'costUsd'),
  rampP99VsLocal: ratio('ramp', 'hybrid', 'p99', 'local'),
  rampCostVsRemote: ratio('ramp', 'hybrid', 'costUsd', 'remote'),
  budgetOvershoot: overshoot,
  rampP99VsRemote: ratio('ramp', 'hybrid', 'p99', 'remote'),
  rampSimVsMeasuredP99: simVs('ramp', 'p99'),
  rampSimVsMeasuredCost: simVs('ramp', 'costUsd'),
};
console.log('');
for (const [key, run] of Object.entries(predicted)) console.log(`simulated ${key} hybrid: p99 ${run.p99Ms.toFixed(0)} ms, cost $${run.costUsd.toFixed(6)}`);
const targets: Record<string, [number, number]> = {
  p99VsLocal: [0, 0.1],
  p99VsRemote: [0, 1.2],
  costVsRemote: [0, 0.5],
  simVsMeasuredP99: [0.8, 1.2],
  simVsMeasuredCost: [0.8, 1.2],
  rampP99VsLocal: [0, 0.1],
  rampCostVsRemote: [0, 0.5],
  budgetOvershoot: [Number.NEGATIVE_INFINITY, 0],
  rampP99VsRemote: [0, 1.2],
  rampSimVsMeasuredP99: [0.8, 1.2],
  rampSimVsMeasuredCost: [0.8, 1.2],
};
for (const [key, value] of Object.entries(ratios)) {
  const [low, high] = targets[key];
  if (Number.isNaN(value)) {
    console.log(`${key.padEnd(22)}  skipped (reduced run)`);
    continue;
  }
  console.log(
    `${key.padEnd(22)} ${value.toFixed(3).padStart(8)}   target ${low > 0 ? `${low}-` : '<= '}${high}   ${value >= low && value <= high ? 'met' : 'MISSED'}`,
  );
}
console.log(
  JSON.stringify({
    ...Object.fromEntries(Object.entries(ratios).map(([key, value]) => [key, Number.isNaN(value) ? null : round(value)])),
    burstMaxWaitMs: choice.maxWaitMs,
    dispatchMs: round(costs.dispatchMs, 2),
    reps: REPS,
  }),
);
