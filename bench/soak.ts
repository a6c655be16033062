/**
 * `npm run soak`: the storm of issue 13 part 5 for about 5 minutes
 * (SOAK_DURATION_MS, default 210,000 ms of arrivals plus start-up and drain),
 * implemented in bench/soak-storm.ts. Prints progress, the details, and as
 * its last line one JSON object with `tasks`, `remoteShare`, `lost`,
 * `doubleSettled`, `nonIdempotentReruns`, `budgetOvershoot`, `rssGrowthMb`.
 * Exits 1 when a task was lost, settled twice, a non-idempotent task ran
 * twice, the budget was overshot, or the remote share is under 0.3.
 */
import { runSoak } from './soak-storm.js';

const durationMs = Number(process.env.SOAK_DURATION_MS ?? 210_000);
const started = performance.now();
const report = await runSoak({ durationMs, log: (line) => console.error(`[${((performance.now() - started) / 1_000).toFixed(1)} s] ${line}`) });
const { details, ...keys } = report;
console.error(JSON.stringify(details, null, 2));
console.log(JSON.stringify(keys));
const held = keys.lost === 0 && keys.doubleSettled === 0 && keys.nonIdempotentReruns === 0 && keys.budgetOvershoot <= 0 && keys.remoteShare >= 0.3;
process.exitCode = held ? 0 : 1;
