// The burst demo (`npm run demo` in the spillway repository; see README.md
// to run it from a copy of this folder): one task module, three backends, no
// cloud account. `startDev` from `spillway/dev` bundles tasks.mjs and serves
// the bundle on 127.0.0.1 with the real Google Functions Framework and (when
// serverless and serverless-offline are installed) a local Lambda emulator;
// the demo sends a few thousand tasks to the local pool and a share to each
// remote, and prints where they ran. `placement` picks the backend per call
// so every backend shows up; then a burst of `placement: 'auto'` tasks spills
// to the remotes past `burst.maxQueueDepth`. It ends by writing the report of
// its own run (writeReport of spillway/dev, from offloader.timeline()).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SingleBar } from 'cli-progress';
import { type Backend, createOffloader, type Offloader } from 'spillway';
import { lambda } from 'spillway/aws-lambda';
import { startDev, writeReport } from 'spillway/dev';
import { cloudFunctions } from 'spillway/gcp-functions';
import { digest } from './tasks.mjs';

const tasksUrl = new URL('./tasks.mjs', import.meta.url);
const localTasks = Number(process.env.DEMO_TASKS ?? 4_000);
const remoteTasks = Number(process.env.DEMO_REMOTE_TASKS ?? 200);
const burstTasks = Number(process.env.DEMO_BURST_TASKS ?? 300);

const session = await startDev({ tasks: tasksUrl });
console.log(`gcf:    Functions Framework at ${session.gcfUrl}`);
const remotes: Backend[] = [cloudFunctions({ url: session.gcfUrl, auth: 'none', maxConcurrency: 8 })];
let client: LambdaClient | undefined;
if (session.lambda === undefined) {
  console.log('lambda: emulator not started (serverless and serverless-offline are not installed); running without it');
} else {
  console.log(`lambda: serverless-offline Lambda API at ${session.lambda.endpoint}`);
  client = new LambdaClient(session.lambda.clientConfig);
  remotes.push(lambda({ functionName: session.lambda.functionName, client, maxConcurrency: 8 }));
}

let offloader: Offloader | undefined;
try {
  offloader = createOffloader({
    tasks: tasksUrl,
    local: { maxWorkers: Math.max(2, availableParallelism()) },
    remotes,
    // The emulators answer warm and at local speed, unlike the cloud the adapters' latency priors describe: the threshold alone decides here.
    burst: { maxQueueDepth: 16, latencyAware: false },
  });
  const plan: [string, number][] = [['local', localTasks], ...remotes.map((remote): [string, number] => [remote.name, remoteTasks])];
  const done = Object.fromEntries(plan.map(([name]) => [name, 0]));
  const total = plan.reduce((sum, [, count]) => sum + count, 0);
  const format = `tasks [{bar}] {value}/{total} | ${plan.map(([name]) => `${name} {${name}}`).join(' | ')}`;
  const bar = new SingleBar({ format, hideCursor: true });
  bar.start(total, 0, done);
  const jobs: Promise<string[]>[] = [];
  const startedAt = performance.now();
  for (const [placement, count] of plan) {
    const inputs = Array.from({ length: count }, (_, index) => ({ text: `${placement}-${index}`, rounds: 300 }));
    const onProgress = ({ done: settled }: { done: number }) => {
      done[placement] = settled;
      bar.update(
        Object.values(done).reduce((sum, value) => sum + value, 0),
        done,
      );
    };
    jobs.push(offloader.map(digest, inputs, { placement, onProgress }));
  }
  const results = await Promise.all(jobs);
  bar.stop();
  const seconds = (performance.now() - startedAt) / 1000;
  // The same input gives the same digest wherever it ran.
  const check = await offloader.run(digest, { text: 'same', rounds: 300 });
  const everywhere = await Promise.all(remotes.map((remote) => offloader?.run(digest, { text: 'same', rounds: 300 }, { placement: remote.name })));
  console.log(`\n${results.flat().length} tasks in ${seconds.toFixed(2)} s; identical result on every backend: ${everywhere.every((hex) => hex === check)}`);

  // A burst with placement 'auto', in 6 waves 500 ms apart: while more than 16 tasks wait locally, the scheduler spills to the remotes.
  const spilled: Record<string, number> = {};
  offloader.on('dispatch', (info) => {
    if (info.backend !== 'local' && info.attempts === 1) spilled[info.backend] = (spilled[info.backend] ?? 0) + 1;
  });
  const waveSize = Math.ceil(burstTasks / 6);
  const waves = Array.from({ length: 6 }, async (_, wave) => {
    await new Promise((resolve) => setTimeout(resolve, wave * 500));
    const inputs = Array.from({ length: waveSize }, (_, index) => ({ text: `burst-${wave}-${index}`, rounds: 10_000 }));
    return offloader?.map(digest, inputs);
  });
  await Promise.all(waves);
  console.log(`burst of ${6 * waveSize} auto tasks: spilled ${JSON.stringify(spilled)}, the rest ran locally`);

  console.log('\nbackend  succeeded  failed  latency p50/p99 ms   run p50/p99 ms');
  for (const [name, stats] of Object.entries(offloader.stats().backends)) {
    console.log(
      `${name.padEnd(8)} ${String(stats.succeeded).padStart(9)} ${String(stats.failed).padStart(7)}  ${`${stats.latencyMs.p50} / ${stats.latencyMs.p99}`.padStart(19)}  ${`${stats.runMs.p50} / ${stats.runMs.p99}`.padStart(15)}`,
    );
  }

  const timeline = offloader.timeline();
  const dir = mkdtempSync(join(tmpdir(), 'spillway-demo-'));
  writeFileSync(join(dir, 'timeline.json'), JSON.stringify(timeline));
  const report = await writeReport(timeline, { out: join(dir, 'report.html'), title: 'spillway burst demo' });
  console.log(`\nreport of this run: ${report.out}`);
  console.log(
    `(${report.attempts} attempts in lanes ${report.lanes.join(', ')}; redraw it with: npx spillway report ${join(dir, 'timeline.json')} --out report.html)`,
  );
} finally {
  await offloader?.close();
  for (const remote of remotes) await remote.destroy?.();
  client?.destroy();
  await session.stop();
}
