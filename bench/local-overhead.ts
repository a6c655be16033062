/**
 * bench/local-overhead: spillway's local path against raw piscina (default
 * options) on the same worker code, 2 workers, interleaved A/B.
 *
 *   (a) runNoop: 50,000 no-op tasks via run()
 *   (b) run1ms:  5,000 ~1 ms CPU tasks via run()
 *   (c) mapNoop: 100,000 no-op tasks via map() (piscina: run() per task)
 *
 * Prints tasks/s per repetition, the median ratio spillway/piscina per
 * scenario and the peak RSS of each side (measured in separate processes).
 * Then, with tracing on, (a) and (c) again against spillway untraced in the
 * same process, interleaved: the traced ratio (bench/traced-overhead.ts).
 * Then (a) and (c) with log capture on against off (`logs.capture`), interleaved: the logs ratio.
 * Then (a) and (c) with an OpenTelemetry MeterProvider registered against none: the metered ratio (bench/metered-overhead.ts).
 * Then the process-isolated pool against raw piscina (bench/process-overhead.ts, in a child process).
 * The last line is one JSON object: { runNoop, run1ms, mapNoop, runNoopTraced, mapNoopTraced, runNoopLogs, mapNoopLogs, runNoopMetered, mapNoopMetered, rssMb, processRunNoop, processMapNoop }.
 *
 * Run: npm run bench   (builds dist/ first; REPS=7 by default)
 * BENCH_ROWS=piscina,traced,logs,metered,rss,process (the default: all) picks the rows
 * to run, in that order; the last line then holds only their keys.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { createOffloader } from 'spillway';
import { noop, spin1ms } from './fixtures/tasks.mjs';
import { median } from './median.js';
import { type MeteredRow, measureMetered } from './metered-overhead.js';
import { measureTraced, type TracedRow } from './traced-overhead.js';

const REPS = Math.max(7, Number(process.env.REPS ?? 7));
const WORKERS = 2;
const ROW_NAMES = ['piscina', 'traced', 'logs', 'metered', 'rss', 'process'] as const;
const rows = new Set((process.env.BENCH_ROWS ?? ROW_NAMES.join(',')).split(',').map((row) => row.trim()));
for (const row of rows)
  if (!(ROW_NAMES as readonly string[]).includes(row)) throw new Error(`Expected BENCH_ROWS to list rows of ${ROW_NAMES.join(', ')}, got "${row}"`);

const pool = new Piscina({ filename: new URL('./fixtures/piscina-worker.mjs', import.meta.url).href, minThreads: WORKERS, maxThreads: WORKERS });
const offloader = createOffloader({ tasks: new URL('./fixtures/tasks.mjs', import.meta.url), local: { maxWorkers: WORKERS, maxQueue: 100_000 } });

type Side = 'piscina' | 'spillway';
interface Scenario {
  key: 'runNoop' | 'run1ms' | 'mapNoop';
  label: string;
  count: number;
  piscina: (inputs: number[]) => Promise<unknown>;
  spillway: (inputs: number[]) => Promise<unknown>;
}

const scenarios: Scenario[] = [
  {
    key: 'runNoop',
    label: '(a) 50,000 no-op via run',
    count: 50_000,
    piscina: (inputs) => Promise.all(inputs.map((value) => pool.run(value, { name: 'noop' }))),
    spillway: (inputs) => Promise.all(inputs.map((value) => offloader.run(noop, value))),
  },
  {
    key: 'run1ms',
    label: '(b) 5,000 ~1 ms CPU via run',
    count: 5_000,
    piscina: (inputs) => Promise.all(inputs.map((value) => pool.run(value, { name: 'spin1ms' }))),
    spillway: (inputs) => Promise.all(inputs.map((value) => offloader.run(spin1ms, value))),
  },
  {
    key: 'mapNoop',
    label: '(c) 100,000 no-op via map',
    count: 100_000,
    piscina: (inputs) => Promise.all(inputs.map((value) => pool.run(value, { name: 'noop' }))),
    spillway: (inputs) => offloader.map(noop, inputs),
  },
];

async function measure(scenario: Scenario, side: Side): Promise<number> {
  const inputs = Array.from({ length: scenario.count }, (_, index) => index);
  const startedAt = performance.now();
  const results = (await scenario[side](inputs)) as number[];
  const seconds = (performance.now() - startedAt) / 1000;
  if (results.length !== scenario.count || results[scenario.count - 1] !== scenario.count - 1) throw new Error(`${side} returned wrong results`);
  return scenario.count / seconds;
}

// Warm-up: spawn workers, JIT both paths, seed spillway's duration estimates.
for (const scenario of rows.has('piscina') ? scenarios : []) {
  await scenario.piscina(Array.from({ length: 2_000 }, (_, index) => index));
  await scenario.spillway(Array.from({ length: 2_000 }, (_, index) => index));
}

const ratios: Record<string, number[]> = {};
const rates: Record<string, Record<Side, number[]>> = {};
for (let rep = 1; rep <= (rows.has('piscina') ? REPS : 0); rep++) {
  for (const scenario of scenarios) {
    // Alternate which side goes first so neither always runs on a warmer machine.
    const order: Side[] = rep % 2 === 1 ? ['piscina', 'spillway'] : ['spillway', 'piscina'];
    const rate: Partial<Record<Side, number>> = {};
    for (const side of order) rate[side] = await measure(scenario, side);
    const ratio = (rate.spillway ?? 0) / (rate.piscina ?? 1);
    ratios[scenario.key] ??= [];
    ratios[scenario.key].push(ratio);
    rates[scenario.key] ??= { piscina: [], spillway: [] };
    rates[scenario.key].piscina.push(rate.piscina ?? 0);
    rates[scenario.key].spillway.push(rate.spillway ?? 0);
    console.log(
      `rep ${rep} ${scenario.label.padEnd(28)} piscina ${Math.round(rate.piscina ?? 0)
        .toLocaleString()
        .padStart(9)}/s  spillway ${Math.round(rate.spillway ?? 0)
        .toLocaleString()
        .padStart(9)}/s  ratio ${ratio.toFixed(2)}`,
    );
  }
}
await offloader.close();
await pool.destroy();

const traced = scenarios.filter((scenario) => scenario.key !== 'run1ms');
const tracedRow: TracedRow | undefined = rows.has('traced') ? await measureTraced(REPS, WORKERS) : undefined;

// Log capture on vs off, spillway only, interleaved: two offloaders that differ only in `logs.capture` (the tasks print nothing).
type LogSide = 'off' | 'on';
const logRatios: Record<string, number[]> = {};
const logRates: Record<string, Record<LogSide, number[]>> = {};
/** CPU time of the whole process (main thread and workers) per task, in microseconds: steadier than rates on a loaded machine. */
const logCpu: Record<string, Record<LogSide, number[]>> = {};
const logOffloaders: Record<LogSide, ReturnType<typeof createOffloader>> = {
  off: createOffloader({
    tasks: new URL('./fixtures/tasks.mjs', import.meta.url),
    local: { maxWorkers: WORKERS, maxQueue: 100_000 },
    logs: { capture: false },
  }),
  on: createOffloader({ tasks: new URL('./fixtures/tasks.mjs', import.meta.url), local: { maxWorkers: WORKERS, maxQueue: 100_000 }, logs: { capture: true } }),
};
const logged = (scenario: Scenario, side: LogSide, inputs: number[]) =>
  scenario.key === 'mapNoop' ? logOffloaders[side].map(noop, inputs) : Promise.all(inputs.map((value) => logOffloaders[side].run(noop, value)));
const logRows = rows.has('logs') ? traced : [];
for (const side of ['off', 'on'] as const)
  for (const scenario of logRows)
    await logged(
      scenario,
      side,
      Array.from({ length: 2_000 }, (_, index) => index),
    );
for (let rep = 1; rep <= REPS; rep++) {
  for (const scenario of logRows) {
    const order: LogSide[] = rep % 2 === 1 ? ['off', 'on'] : ['on', 'off'];
    const rate: Partial<Record<LogSide, number>> = {};
    for (const side of order) {
      const inputs = Array.from({ length: scenario.count }, (_, index) => index);
      const startedAt = performance.now();
      const cpuBefore = process.cpuUsage();
      const results = (await logged(scenario, side, inputs)) as number[];
      rate[side] = scenario.count / ((performance.now() - startedAt) / 1000);
      const cpu = process.cpuUsage(cpuBefore);
      logCpu[scenario.key] ??= { off: [], on: [] };
      logCpu[scenario.key][side].push((cpu.user + cpu.system) / scenario.count);
      if (results.length !== scenario.count || results[scenario.count - 1] !== scenario.count - 1) throw new Error(`logs ${side} returned wrong results`);
    }
    const ratio = (rate.on ?? 0) / (rate.off ?? 1);
    logRatios[scenario.key] ??= [];
    logRatios[scenario.key].push(ratio);
    logRates[scenario.key] ??= { off: [], on: [] };
    logRates[scenario.key].off.push(rate.off ?? 0);
    logRates[scenario.key].on.push(rate.on ?? 0);
    console.log(
      `rep ${rep} ${scenario.label.padEnd(28)} capture off ${Math.round(rate.off ?? 0)
        .toLocaleString()
        .padStart(9)}/s  on ${Math.round(rate.on ?? 0)
        .toLocaleString()
        .padStart(9)}/s  ratio ${ratio.toFixed(2)}`,
    );
  }
}
await Promise.all([logOffloaders.off.close(), logOffloaders.on.close()]);

const meteredRow: MeteredRow | undefined = rows.has('metered') ? await measureMetered(REPS, WORKERS) : undefined;

function peakRss(side: Side): number {
  const output = execFileSync(process.execPath, [new URL('./fixtures/rss-probe.mjs', import.meta.url).pathname, side], { encoding: 'utf8' });
  return (JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as { peakRssMb: number }).peakRssMb;
}
const rssMb = rows.has('rss') ? { piscina: peakRss('piscina'), spillway: peakRss('spillway') } : undefined;

const targets: Record<Scenario['key'], number> = { runNoop: 0.9, run1ms: 0.98, mapNoop: 3.0 };
console.log('');
console.log('scenario                      piscina/s   spillway/s   median ratio   target');
for (const scenario of rows.has('piscina') ? scenarios : []) {
  const ratio = median(ratios[scenario.key]);
  const spread = `${Math.min(...ratios[scenario.key]).toFixed(2)}-${Math.max(...ratios[scenario.key]).toFixed(2)}`;
  console.log(
    `${scenario.label.padEnd(28)} ${Math.round(median(rates[scenario.key].piscina)).toLocaleString().padStart(10)} ${Math.round(median(rates[scenario.key].spillway)).toLocaleString().padStart(12)} ${ratio.toFixed(2).padStart(14)} (${spread})   >= ${targets[scenario.key]} ${ratio >= targets[scenario.key] ? 'met' : 'MISSED'}`,
  );
}
for (const scenario of logRows) {
  const ratio = median(logRatios[scenario.key]);
  const spread = `${Math.min(...logRatios[scenario.key]).toFixed(2)}-${Math.max(...logRatios[scenario.key]).toFixed(2)}`;
  console.log(
    `${`${scenario.label} logs`.padEnd(28)} capture off ${Math.round(median(logRates[scenario.key].off)).toLocaleString()}/s, on ${Math.round(median(logRates[scenario.key].on)).toLocaleString()}/s, median ratio ${ratio.toFixed(2)} (${spread}); CPU per task off ${median(logCpu[scenario.key].off).toFixed(1)} us, on ${median(logCpu[scenario.key].on).toFixed(1)} us`,
  );
}
if (rssMb !== undefined) console.log(`peak RSS (100,000-task map, separate processes): piscina ${rssMb.piscina} MB, spillway ${rssMb.spillway} MB`);

/** The process-isolated pool (processRunNoop, processMapNoop), in its own process: bench/process-overhead.ts. */
function processRow(): { processRunNoop: number; processMapNoop: number } {
  const processBench = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./process-overhead.ts', import.meta.url))], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, REPS: String(REPS) },
  });
  const processLines = processBench.stdout.trimEnd().split('\n');
  console.log(processLines.slice(0, -1).join('\n'));
  if (processBench.status !== 0) throw new Error(`bench/process-overhead.ts exited with ${processBench.status}`);
  return JSON.parse(processLines.at(-1) ?? '{}') as { processRunNoop: number; processMapNoop: number };
}
const processed = rows.has('process') ? processRow() : undefined;
const round = (value: number) => Math.round(value * 100) / 100;
const roundedMedian = (values: number[] | undefined) => (values === undefined ? undefined : round(median(values)));
console.log(
  JSON.stringify({
    runNoop: roundedMedian(ratios.runNoop),
    run1ms: roundedMedian(ratios.run1ms),
    mapNoop: roundedMedian(ratios.mapNoop),
    runNoopTraced: tracedRow && round(tracedRow.runNoopTraced),
    mapNoopTraced: tracedRow && round(tracedRow.mapNoopTraced),
    sdkSpanPairsPerSecond: tracedRow && Math.round(tracedRow.sdkSpanPairsPerSecond),
    runNoopLogs: roundedMedian(logRatios.runNoop),
    mapNoopLogs: roundedMedian(logRatios.mapNoop),
    runNoopMetered: meteredRow && round(meteredRow.runNoopMetered),
    mapNoopMetered: meteredRow && round(meteredRow.mapNoopMetered),
    rssMb: rssMb && { piscina: rssMb.piscina, spillway: rssMb.spillway, ratio: round(rssMb.spillway / rssMb.piscina) },
    processRunNoop: processed && round(processed.processRunNoop),
    processMapNoop: processed && round(processed.processMapNoop),
    reps: REPS,
  }),
);
