// Burst to the cloud, locally (`npm run example:burst` in the spillway
// repository; see README.md to run it from a copy of this folder): a burst of
// password hashes (scrypt) on a small local pool, with the overflow sent to
// Cloud Functions and Lambda, each served on 127.0.0.1 by its real emulator
// from the bundle `spillway bundle` builds (`startDev` from `spillway/dev`,
// what `spillway dev` runs). No cloud account, no network. The hybrid
// scheduler decides where each task runs: local while at most one task per
// worker waits, the cheapest remote with room beyond that.
import { scryptSync } from 'node:crypto';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { type Backend, createOffloader } from 'spillway';
import { lambda } from 'spillway/aws-lambda';
import { startDev } from 'spillway/dev';
import { cloudFunctions } from 'spillway/gcp-functions';
import { hashPassword } from './tasks.mjs';

const tasksUrl = new URL('./tasks.mjs', import.meta.url);
const TASKS = Number(process.env.BURST_TASKS ?? 48);
const LOCAL_WORKERS = Number(process.env.BURST_LOCAL_WORKERS ?? 2);
const LOG2_COST = 14;

// The bundle goes to a temporary folder that session.stop() deletes.
const session = await startDev({ tasks: tasksUrl, onStep: (line) => console.log(line) });
const remotes: Backend[] = [cloudFunctions({ url: session.gcfUrl, auth: 'none', maxConcurrency: 4 })];
let client: LambdaClient | undefined;
if (session.lambda !== undefined) {
  client = new LambdaClient(session.lambda.clientConfig);
  remotes.push(lambda({ functionName: session.lambda.functionName, client, maxConcurrency: 4 }));
}
console.log(
  `\nemulators: ${Object.entries(session.env)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ')}\n`,
);

const offloader = createOffloader({
  tasks: tasksUrl,
  local: { maxWorkers: LOCAL_WORKERS },
  remotes,
  // The emulators answer warm and at local speed, unlike the cloud the adapters' latency priors describe: the threshold alone decides here.
  burst: { maxQueueDepth: LOCAL_WORKERS, latencyAware: false },
  cost: { budgetUsd: 0.01, prefer: 'cheapest' },
});
const costOf = new Map(remotes.map((remote) => [remote.name, (runMs: number) => remote.estimateCostUsd?.(runMs) ?? 0]));
const totals = new Map<string, { tasks: number; runMs: number; costUsd: number }>();
offloader.on('success', ({ backend, runMs, taskId }) => {
  const costUsd = costOf.get(backend)?.(runMs) ?? 0;
  const total = totals.get(backend) ?? { tasks: 0, runMs: 0, costUsd: 0 };
  totals.set(backend, { tasks: total.tasks + 1, runMs: total.runMs + runMs, costUsd: total.costUsd + costUsd });
  console.log(
    `${taskId.slice(-8)}  ${backend.padEnd(6)}  ran ${String(Math.round(runMs)).padStart(5)} ms  ${costUsd === 0 ? 'free (local)' : `$${costUsd.toFixed(8)}`}`,
  );
});

try {
  const startedAt = performance.now();
  // The burst arrives over about a second: one request every 20 ms.
  const jobs: Promise<string>[] = [];
  for (let index = 0; index < TASKS; index++) {
    if (index > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const input = { password: `correct horse ${index}`, salt: `user-${String(index).padStart(4, '0')}`, log2Cost: LOG2_COST };
    jobs.push(offloader.run(hashPassword, input));
  }
  const hashes = await Promise.all(jobs);
  const seconds = (performance.now() - startedAt) / 1000;

  // Same input, same key, wherever it ran.
  const expected = scryptSync('correct horse 0', 'user-0000', 64, { N: 2 ** LOG2_COST, r: 8, p: 1, maxmem: 256 * 2 ** LOG2_COST * 8 }).toString('hex');
  console.log(`\n${hashes.length} hashes in ${seconds.toFixed(2)} s; first hash matches a local scryptSync: ${hashes[0] === expected}`);
  console.log('\nbackend  tasks  run time total  estimated cost');
  for (const [backend, total] of totals) {
    console.log(
      `${backend.padEnd(7)} ${String(total.tasks).padStart(6)}  ${`${(total.runMs / 1000).toFixed(2)} s`.padStart(14)}  ${`$${total.costUsd.toFixed(8)}`.padStart(14)}`,
    );
  }
  console.log("(the cost is what the same run time would cost on the real service, from each backend's estimateCostUsd)");
  console.log(`spend tracked by the scheduler: $${offloader.stats().spend.totalUsd.toFixed(8)} of a $0.01 budget`);
} finally {
  await offloader.close();
  for (const remote of remotes) await remote.destroy?.();
  client?.destroy();
  await session.stop();
}
