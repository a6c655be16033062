/**
 * bench/budget-caps: the rows of issue 12's budget table, scaled down, run
 * through the public API against the real emulators of `spillway/dev`
 * (serverless-offline for Lambda, the Functions Framework for Cloud
 * Functions). Each row: one local worker, `burst: { maxQueueDepth: 0 }`,
 * `cost: { budgetUsd: BUDGET_USD }`, N tasks that sleep M ms submitted at once.
 *
 * Billed spend is tallied here, outside the offloader, from every remote
 * task's `success` or `failure` event (a failure that reports no run time is not counted): the backend's own price model
 * (`estimateCostUsd(runMs)`) applied to the run time the remote reported.
 * The offloader's own `stats().spend.totalUsd` is printed beside it.
 *
 * Run: `npx tsup --silent && npx tsx bench/budget-caps.ts`. Prints a table, then one JSON line.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { type Backend, createOffloader, isOffloadError, type Placement } from 'spillway';
import { lambda } from 'spillway/aws-lambda';
import { startDev } from 'spillway/dev';
import { cloudFunctions } from 'spillway/gcp-functions';
import { sleep } from './fixtures/budget-tasks.mjs';

const BUDGET_USD = 0.00002;
const tasks = new URL('./fixtures/budget-tasks.mjs', import.meta.url);

interface Row {
  label: string;
  count: number;
  ms: number;
  remote: 'lambda-1024' | 'lambda-10240' | 'gcf';
  placement: Placement;
  timeoutMs?: number;
}

const rows: Row[] = [
  { label: '40 x 20 ms, Lambda 1024', count: 40, ms: 20, remote: 'lambda-1024', placement: 'auto' },
  { label: '40 x 300 ms, Lambda 1024', count: 40, ms: 300, remote: 'lambda-1024', placement: 'auto' },
  { label: '40 x 300 ms, Lambda 10240', count: 40, ms: 300, remote: 'lambda-10240', placement: 'auto' },
  { label: '40 x 300 ms, Cloud Functions', count: 40, ms: 300, remote: 'gcf', placement: 'auto' },
  { label: '40 x 20 ms, timeoutMs 100, Lambda 1024', count: 40, ms: 20, remote: 'lambda-1024', placement: 'auto', timeoutMs: 100 },
  { label: "40 x 20 ms, placement 'lambda' (pinned)", count: 40, ms: 20, remote: 'lambda-1024', placement: 'lambda' },
];

const session = await startDev({ tasks, lambda: true });
const clients: LambdaClient[] = [];

function remoteFor(row: Row): Backend {
  if (row.remote === 'gcf') return cloudFunctions({ url: session.gcfUrl, auth: 'none', maxBilledColdStartMs: 0 });
  if (session.lambda === undefined) throw new Error('startDev({ lambda: true }) started no Lambda emulator');
  const client = new LambdaClient(session.lambda.clientConfig);
  clients.push(client);
  return lambda({ functionName: session.lambda.functionName, client, memoryMb: row.remote === 'lambda-10240' ? 10_240 : 1024, maxBilledColdStartMs: 0 });
}

async function measure(row: Row): Promise<Record<string, number | string>> {
  const remote = remoteFor(row);
  const offloader = createOffloader({ tasks, local: { maxWorkers: 1 }, remotes: [remote], burst: { maxQueueDepth: 0 }, cost: { budgetUsd: BUDGET_USD } });
  let billedUsd = 0;
  const ranOn: Record<string, number> = {};
  const tally = ({ backend, runMs }: { backend: string; runMs: number }) => {
    if (backend === remote.name) billedUsd += remote.estimateCostUsd?.(runMs) ?? 0;
  };
  offloader.on('success', (info) => {
    ranOn[info.backend] = (ranOn[info.backend] ?? 0) + 1;
    tally(info);
  });
  // A failure with no run time never reached the remote (refused by the budget, for one).
  offloader.on('failure', (info) => {
    if (info.runMs > 0) tally(info);
  });
  const errors: Record<string, number> = {};
  const options = { placement: row.placement, ...(row.timeoutMs === undefined ? {} : { timeoutMs: row.timeoutMs }) };
  await Promise.all(
    Array.from({ length: row.count }, () =>
      offloader.run(sleep, row.ms, options).catch((error: unknown) => {
        const code = isOffloadError(error) ? error.code : String(error);
        errors[code] = (errors[code] ?? 0) + 1;
      }),
    ),
  );
  const statsUsd = offloader.stats().spend.totalUsd;
  await offloader.close();
  return {
    row: row.label,
    spendVsBudget: Number((billedUsd / BUDGET_USD).toFixed(3)),
    statsVsBudget: Number((statsUsd / BUDGET_USD).toFixed(3)),
    remote: ranOn[remote.name] ?? 0,
    local: ranOn.local ?? 0,
    failed: Object.entries(errors)
      .map(([code, n]) => `${code} x${n}`)
      .join(', '),
  };
}

try {
  const results = [];
  for (const row of rows) results.push(await measure(row));
  console.table(results);
  console.log(JSON.stringify({ budgetUsd: BUDGET_USD, maxSpendVsBudget: Math.max(...results.map((result) => Number(result.spendVsBudget))) }));
} finally {
  for (const client of clients) client.destroy();
  await session.stop();
}
