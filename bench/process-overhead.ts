/**
 * bench/process-overhead: the process-isolated local pool (`local.isolation:
 * 'process'`) against raw piscina `run` (default options, threads) on the
 * same worker code, 2 workers each, interleaved A/B:
 *
 *   processRunNoop: 5,000 no-op tasks via run()
 *   processMapNoop: 10,000 no-op tasks via map() (piscina: run() per task)
 *
 * The ratio is spillway tasks/s over piscina tasks/s, as in
 * bench/local-overhead.ts. Fewer tasks than the thread keys: a process
 * holds one chunk at a time and reports each attempt's start (see
 * src/backends/local/process-pool.ts), so it stays slower than a thread.
 * The last line is one JSON object: { processRunNoop, processMapNoop, spread, reps }.
 *
 * Run alone: npx tsup --silent && tsx bench/process-overhead.ts (bench/local-overhead.ts runs it in a child process).
 */
import { Piscina } from 'piscina';
import { createOffloader } from 'spillway';
import { noop } from './fixtures/tasks.mjs';
import { median } from './median.js';

const REPS = Math.max(5, Number(process.env.REPS ?? 7));
const WORKERS = 2;

const pool = new Piscina({ filename: new URL('./fixtures/piscina-worker.mjs', import.meta.url).href, minThreads: WORKERS, maxThreads: WORKERS });
const offloader = createOffloader({
  tasks: new URL('./fixtures/tasks.mjs', import.meta.url),
  local: { isolation: 'process', maxWorkers: WORKERS, minWorkers: WORKERS, maxQueue: 100_000 },
});

type Side = 'piscina' | 'spillway';
interface Scenario {
  key: 'processRunNoop' | 'processMapNoop';
  label: string;
  count: number;
  run: Record<Side, (inputs: number[]) => Promise<unknown>>;
}

const piscinaRun = (inputs: number[]) => Promise.all(inputs.map((value) => pool.run(value, { name: 'noop' })));
const scenarios: Scenario[] = [
  {
    key: 'processRunNoop',
    label: '5,000 no-op via run',
    count: 5_000,
    run: { piscina: piscinaRun, spillway: (inputs) => Promise.all(inputs.map((value) => offloader.run(noop, value))) },
  },
  { key: 'processMapNoop', label: '10,000 no-op via map', count: 10_000, run: { piscina: piscinaRun, spillway: (inputs) => offloader.map(noop, inputs) } },
];

async function rate(scenario: Scenario, side: Side): Promise<number> {
  const inputs = Array.from({ length: scenario.count }, (_, index) => index);
  const startedAt = performance.now();
  const results = (await scenario.run[side](inputs)) as number[];
  if (results.length !== scenario.count || results[scenario.count - 1] !== scenario.count - 1) throw new Error(`${side} returned wrong results`);
  return scenario.count / ((performance.now() - startedAt) / 1000);
}

// Warm-up: start both pools' workers and JIT both paths.
for (const scenario of scenarios)
  for (const side of ['piscina', 'spillway'] as const) await scenario.run[side](Array.from({ length: 500 }, (_, index) => index));

const ratios: Record<string, number[]> = {};
for (let rep = 1; rep <= REPS; rep++) {
  for (const scenario of scenarios) {
    // Alternate which side goes first so neither always runs on a warmer machine.
    const order: Side[] = rep % 2 === 1 ? ['piscina', 'spillway'] : ['spillway', 'piscina'];
    const rates: Partial<Record<Side, number>> = {};
    for (const side of order) rates[side] = await rate(scenario, side);
    const ratio = (rates.spillway ?? 0) / (rates.piscina ?? 1);
    ratios[scenario.key] ??= [];
    ratios[scenario.key].push(ratio);
    console.log(
      `rep ${rep} process ${scenario.label.padEnd(22)} piscina ${Math.round(rates.piscina ?? 0)
        .toLocaleString()
        .padStart(9)}/s  spillway ${Math.round(rates.spillway ?? 0)
        .toLocaleString()
        .padStart(9)}/s  ratio ${ratio.toFixed(3)}`,
    );
  }
}
await offloader.close();
await pool.destroy();

const round = (value: number) => Math.round(value * 1000) / 1000;
const spread = (key: string) => `${Math.min(...ratios[key]).toFixed(3)}-${Math.max(...ratios[key]).toFixed(3)}`;
for (const scenario of scenarios)
  console.log(`process ${scenario.label.padEnd(22)} median ratio ${median(ratios[scenario.key]).toFixed(3)} (${spread(scenario.key)})`);
console.log(
  JSON.stringify({
    processRunNoop: round(median(ratios.processRunNoop)),
    processMapNoop: round(median(ratios.processMapNoop)),
    spread: { processRunNoop: spread('processRunNoop'), processMapNoop: spread('processMapNoop') },
    reps: REPS,
  }),
);
