/**
 * bench/timeline-overhead: what recording the timeline costs on the local
 * hot path. Two offloaders in one process, 2 workers each, interleaved A/B:
 * the default (timeline on, 100,000 attempts kept) against
 * `timeline: { maxAttempts: 0 }` (nothing recorded).
 *
 *   (a) runNoop: 50,000 no-op tasks via run()
 *   (c) mapNoop: 100,000 no-op tasks via map()
 *
 * Prints tasks/s per repetition and the median ratio recorded/unrecorded
 * with its spread (min..max over the repetitions). The last line is one JSON
 * object: { runNoopTimeline, mapNoopTimeline }.
 *
 * Run: npm run bench:timeline   (builds dist/ first; REPS=5 by default)
 */
import { createOffloader, type Offloader } from 'spillway';
import { noop } from './fixtures/tasks.mjs';

const REPS = Math.max(5, Number(process.env.REPS ?? 5));
const tasks = new URL('./fixtures/tasks.mjs', import.meta.url);
const local = { maxWorkers: 2, maxQueue: 100_000 };
const sides: Record<'recorded' | 'unrecorded', Offloader> = {
  recorded: createOffloader({ tasks, local }),
  unrecorded: createOffloader({ tasks, local, timeline: { maxAttempts: 0 } }),
};

const scenarios = [
  { key: 'runNoopTimeline', count: 50_000, go: (o: Offloader, inputs: number[]) => Promise.all(inputs.map((value) => o.run(noop, value))) },
  { key: 'mapNoopTimeline', count: 100_000, go: (o: Offloader, inputs: number[]) => o.map(noop, inputs) },
] as const;

async function rate(offloader: Offloader, go: (o: Offloader, inputs: number[]) => Promise<unknown>, count: number): Promise<number> {
  const inputs = Array.from({ length: count }, (_, index) => index);
  const started = performance.now();
  await go(offloader, inputs);
  return count / ((performance.now() - started) / 1000);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const result: Record<string, number> = {};
for (const { key, count, go } of scenarios) {
  // Warm both sides' workers and JIT.
  await rate(sides.recorded, go, 5_000);
  await rate(sides.unrecorded, go, 5_000);
  const ratios: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    const order = rep % 2 === 0 ? (['recorded', 'unrecorded'] as const) : (['unrecorded', 'recorded'] as const);
    const rates = { recorded: 0, unrecorded: 0 };
    for (const side of order) rates[side] = await rate(sides[side], go, count);
    ratios.push(rates.recorded / rates.unrecorded);
    console.log(
      `${key} rep ${rep + 1}: recorded ${rates.recorded.toFixed(0)}/s, unrecorded ${rates.unrecorded.toFixed(0)}/s, ratio ${ratios.at(-1)?.toFixed(3)}`,
    );
  }
  result[key] = Math.round(median(ratios) * 1000) / 1000;
  console.log(`${key}: median ratio ${result[key]} (spread ${Math.min(...ratios).toFixed(3)}..${Math.max(...ratios).toFixed(3)})`);
}
await Promise.all([sides.recorded.close(), sides.unrecorded.close()]);
console.log(JSON.stringify(result));
