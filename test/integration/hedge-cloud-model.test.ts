// Hedging against the cloud model (startCloudModel of spillway/dev) in front
// of the real Functions Framework: the straggler is not the task but a cold
// start, the motivating case. Warm runs reuse one environment; a run that
// arrives while it is busy needs a new one, which starts cold (5 s here),
// and its backup on an idle local worker wins. No assertion is on elapsed time.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { type CloudModel, gcfFleet, startCloudModel } from '../../infra/dev-entry.js';
import { createOffloader, type Offloader, type TaskHedgeInfo } from '../../src/index.js';
import { hedged } from '../fixtures/hedge-tasks.mjs';
import { type FunctionsFrameworkServer, startFunctionsFramework } from '../support/functions-framework.js';

const tasks = new URL('../fixtures/hedge-tasks.mjs', import.meta.url);
let framework: FunctionsFrameworkServer;
let front: CloudModel;
let offloader: Offloader | undefined;

beforeAll(async () => {
  framework = await startFunctionsFramework({ source: fileURLToPath(new URL('../fixtures/model-hedge-entry.mjs', import.meta.url)) });
  front = await startCloudModel({ fleet: gcfFleet({ networkMs: [2, 2], coldStartMs: [5_000, 5_000] }), upstream: framework.url });
}, 60_000);
afterAll(async () => {
  await offloader?.destroy();
  await front?.stop();
  await framework?.stop();
});

it('a cold start on a new environment is hedged on an idle local worker, which wins; the task settles once', async () => {
  const gcf = cloudFunctions({ url: `${front.url}/`, auth: 'none' });
  offloader = createOffloader({ tasks, local: { maxWorkers: 2 }, remotes: [gcf] });
  const hedges: TaskHedgeInfo[] = [];
  offloader.on('hedge', (info) => hedges.push(info));
  const settled: string[] = [];
  offloader.on('success', (info) => settled.push(info.taskId));
  offloader.on('failure', (info) => settled.push(info.taskId));
  // One environment, warm after its first run: 20 durations of gcf learned.
  for (let run = 0; run < 20; run++) await offloader.run(hedged, {}, { placement: 'gcf', timeoutMs: 10_000 });
  expect(front.state().coldStarts).toBe(1);
  // One run holds the warm environment (2 s, no hedge of its own); the next needs a new environment, which starts cold.
  const holder = offloader.run(hedged, { slow: { 'gcp-functions': 2_000 } }, { placement: 'gcf', timeoutMs: 10_000, hedge: false });
  while (front.state().busy < 1) await new Promise((resolve) => setTimeout(resolve, 10));
  const ranOn = await offloader.run(hedged, {}, { placement: 'gcf', timeoutMs: 10_000 });
  await expect(holder).resolves.toBe('gcp-functions');
  expect(front.state().coldStarts).toBe(2);
  expect(ranOn).toBe('local');
  const stats = offloader.stats();
  expect(stats.hedges.won).toBeGreaterThanOrEqual(1);
  expect(hedges.some((hedge) => hedge.backend === 'gcf' && hedge.hedgeBackend === 'local')).toBe(true);
  expect(settled).toHaveLength(22);
  expect(new Set(settled).size).toBe(22);
}, 90_000);
