// Serves the task module on both emulators (spillway/dev), bursts a small local
// pool to Lambda and Cloud Functions, then edits the helper without bundling
// again and asks both remotes to run it. Prints one JSON line.
import { readFileSync, writeFileSync } from 'node:fs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { type Backend, createOffloader, isOffloadError, type Placement } from 'spillway';
import { lambda } from 'spillway/aws-lambda';
import { startDev } from 'spillway/dev';
import { cloudFunctions } from 'spillway/gcp-functions';
import { greet, slowSquare } from './tasks.js';

const tasks = new URL('./tasks.ts', import.meta.url);
const session = await startDev({ tasks, lambda: true, onStep: (line) => console.error(line) });
const clients: LambdaClient[] = [];
const backends: Backend[] = [];

/** New remotes on the dev session: Lambda with the emulator's client settings, Cloud Functions at its URL. */
function remotes(): Backend[] {
  if (session.lambda === undefined) throw new Error('startDev({ lambda: true }) started no Lambda emulator');
  const client = new LambdaClient(session.lambda.clientConfig);
  clients.push(client);
  const created = [
    lambda({ functionName: session.lambda.functionName, client, maxConcurrency: 2 }),
    cloudFunctions({ url: session.gcfUrl, auth: 'none', maxConcurrency: 2 }),
  ];
  backends.push(...created);
  return created;
}

/** A burst of slow tasks on one local worker: the overflow goes to the remotes. */
async function burst(): Promise<{ results: number[]; ranOn: Record<string, number>; placed: Record<string, string> }> {
  const offloader = createOffloader({ tasks, local: { maxWorkers: 1 }, remotes: remotes(), burst: { maxQueueDepth: 0, latencyAware: false } });
  try {
    const ranOn: Record<string, number> = {};
    const jobs = Array.from({ length: 12 }, (_, n) =>
      offloader.run(slowSquare, { n, ms: 400 }, { onSuccess: (_result, { backend }) => (ranOn[backend] = (ranOn[backend] ?? 0) + 1) }),
    );
    const results = await Promise.all(jobs);
    const placed: Record<string, string> = {};
    for (const placement of ['lambda', 'gcf'] as const) {
      await offloader.run(greet, { name: placement }, { placement, onSuccess: (result, { backend }) => (placed[backend] = result) });
    }
    return { results, ranOn, placed };
  } finally {
    await offloader.close();
  }
}

/** Runs greet on `placement` and describes how it failed. */
async function failure(offloader: ReturnType<typeof createOffloader>, placement: Placement): Promise<Record<string, unknown>> {
  try {
    return { resolved: await offloader.run(greet, { name: 'stale' }, { placement }) };
  } catch (error) {
    if (!isOffloadError(error)) return { unexpected: String(error) };
    return { name: error.name, code: error.code, backend: error.backend, message: error.message };
  }
}

/** Edits the helper without bundling again: a new offloader's hash covers the edit, the served bundle does not. */
async function stale(): Promise<Record<string, unknown>> {
  const helper = new URL('./helper.ts', import.meta.url);
  const original = readFileSync(helper, 'utf8');
  writeFileSync(helper, original.replace('Hello', 'Hi'));
  const offloader = createOffloader({ tasks, remotes: remotes() });
  try {
    return { lambda: await failure(offloader, 'lambda'), gcf: await failure(offloader, 'gcf') };
  } finally {
    await offloader.close();
    writeFileSync(helper, original);
  }
}

try {
  const burstReport = await burst();
  console.log(JSON.stringify({ bundleHash: session.bundleHash, burst: burstReport, stale: await stale() }));
} finally {
  for (const backend of backends) await backend.destroy?.();
  for (const client of clients) client.destroy();
  await session.stop();
}
