// Quick start: a few thousand CPU-bound tasks on the local worker pool, with
// a progress bar and a per-backend summary. Run: `npm run example:quickstart`
// in the spillway repository, or `npx tsx quickstart/main.ts` from a copy of
// this folder in your app (see README.md). DEMO_TASKS changes the count.
import { availableParallelism } from 'node:os';
import { SingleBar } from 'cli-progress';
import { createOffloader } from 'spillway';
import { digest } from './tasks.js';

const total = Number(process.env.DEMO_TASKS ?? 5_000);
const maxWorkers = Math.max(2, availableParallelism());
const offloader = createOffloader({ tasks: new URL('./tasks.js', import.meta.url), local: { maxWorkers } });

const hex = await offloader.run(digest, { text: 'a', rounds: 1000 });
console.log(`run:  digest("a", 1000 rounds) = ${hex.slice(0, 16)}…`);

const inputs = Array.from({ length: total }, (_, index) => ({ text: `document-${index}`, rounds: 200 + (index % 5) * 100 }));
const bar = new SingleBar({ format: 'map:  [{bar}] {percentage}% | {value}/{total} tasks | {rate} tasks/s', hideCursor: true });
bar.start(total, 0, { rate: 0 });
const startedAt = performance.now();
const digests = await offloader.map(digest, inputs, {
  onProgress: ({ done }) => bar.update(done, { rate: Math.round(done / ((performance.now() - startedAt) / 1000)) }),
});
bar.stop();
const seconds = (performance.now() - startedAt) / 1000;
console.log(`done: ${digests.length} digests in ${seconds.toFixed(2)} s (${Math.round(total / seconds)} tasks/s), first ${digests[0].slice(0, 16)}…`);

const { backends } = offloader.stats();
console.log('\nbackend  succeeded  failed  latency p50/p99 ms  run p50/p99 ms');
for (const [name, stats] of Object.entries(backends)) {
  console.log(
    `${name.padEnd(8)} ${String(stats.succeeded).padStart(9)} ${String(stats.failed).padStart(7)}  ${`${stats.latencyMs.p50} / ${stats.latencyMs.p99}`.padStart(18)}  ${`${stats.runMs.p50} / ${stats.runMs.p99}`.padStart(14)}`,
  );
}
await offloader.close();
