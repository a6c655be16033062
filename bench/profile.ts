/**
 * bench/profile: a CPU profile of the local hot path (`map` of no-op tasks on
 * 2 workers), to see where time goes between the caller and the workers.
 * Warms up with 20,000 tasks, then maps 100,000 tasks 3 times and prints the
 * rate of each pass.
 *
 * Run: npm run profile
 *   (builds dist/ first, then runs this file under `node --cpu-prof
 *   --cpu-prof-dir=.profile`: one .cpuprofile per thread, the main thread's
 *   and each worker's, lands in .profile/; open them in Chrome DevTools
 *   (Performance > Load profile) or https://www.speedscope.app).
 * TASKS=<n> changes the tasks per pass.
 */
import { createOffloader } from 'spillway';
import { noop } from './fixtures/tasks.mjs';

const WORKERS = 2;
const TASKS = Number(process.env.TASKS ?? 100_000);
const PASSES = 3;
const WARMUP = 20_000;

const offloader = createOffloader({ tasks: new URL('./fixtures/tasks.mjs', import.meta.url), local: { maxWorkers: WORKERS, maxQueue: TASKS } });
try {
  await offloader.map(
    noop,
    Array.from({ length: WARMUP }, (_, index) => index),
  );
  for (let pass = 1; pass <= PASSES; pass++) {
    const inputs = Array.from({ length: TASKS }, (_, index) => index);
    const startedAt = performance.now();
    await offloader.map(noop, inputs);
    console.log(
      `pass ${pass}: map of ${TASKS.toLocaleString('en-US')} no-op tasks, ${Math.round(TASKS / ((performance.now() - startedAt) / 1000)).toLocaleString('en-US')} tasks/s`,
    );
  }
} finally {
  await offloader.close();
}
