// The cloud model (issue 12, part 1) in front of the real emulators: the
// Functions Framework and serverless-offline each serve the spillway handler
// wrapped by the model (test/fixtures/model-*-entry.mjs), the model's front
// (startCloudModel of spillway/dev) admits each request, and the real
// adapters talk to the front. Assertions are on the model's reported state
// and on the adapters' errors, never on elapsed time: held tasks (`hold`)
// keep environments busy until the test creates their file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambda } from '../../adapters/aws-lambda/index.js';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { type CloudModel, type FleetParams, gcfFleet, lambdaFleet, startCloudModel } from '../../infra/dev-entry.js';
import type { Backend } from '../../src/backends/backend.js';
import { ENVELOPE_VERSION, hashTaskModule, serialize, type TaskEnvelope } from '../../src/contract/index.js';
import { isOffloadError } from '../../src/index.js';
import { type FunctionsFrameworkServer, startFunctionsFramework } from '../support/functions-framework.js';
import { rejectionOf } from '../support/helpers.js';
import { type ServerlessOffline, startServerlessOffline } from '../support/serverless-offline.js';

const tasksUrl = new URL('../fixtures/model-tasks.mjs', import.meta.url);
const bundleHash = hashTaskModule(tasksUrl);
const quick = { networkMs: [0, 0], coldStartMs: [5, 5] } as const;

let framework: FunctionsFrameworkServer;
let offline: ServerlessOffline;
let holdDir: string;
const fronts: CloudModel[] = [];
const backends: Backend[] = [];
const clients: LambdaClient[] = [];
let nextId = 0;

beforeAll(async () => {
  holdDir = mkdtempSync(join(tmpdir(), 'spillway-model-'));
  [framework, offline] = await Promise.all([
    startFunctionsFramework({ source: fileURLToPath(new URL('../fixtures/model-gcf-entry.mjs', import.meta.url)) }),
    startServerlessOffline({ functions: { tasks: { entry: new URL('../fixtures/model-lambda-entry.mjs', import.meta.url) } } }),
  ]);
}, 120_000);

afterAll(async () => {
  for (const backend of backends) await backend.destroy?.();
  for (const client of clients) client.destroy();
  for (const front of fronts) await front.stop();
  await Promise.all([framework?.stop(), offline?.stop()]);
  rmSync(holdDir, { recursive: true, force: true });
});

function envelope(task: string, input: unknown): TaskEnvelope {
  return { version: ENVELOPE_VERSION, id: `model-${nextId++}`, task, bundleHash, attempt: 1, input: serialize(input, 'input') };
}

/** A front for `fleet` in front of the matching emulator, and the real adapter talking to it. */
async function modelled(fleet: FleetParams): Promise<{ front: CloudModel; backend: Backend }> {
  const upstream = fleet.cloud === 'gcf' ? framework.url : offline.endpoint;
  const front = await startCloudModel({ fleet, upstream });
  fronts.push(front);
  let backend: Backend;
  if (fleet.cloud === 'gcf') backend = cloudFunctions({ url: `${front.url}/`, auth: 'none' });
  else {
    const client = new LambdaClient({ ...offline.clientConfig, endpoint: front.url });
    clients.push(client);
    backend = lambda({ functionName: offline.functionName('tasks'), client, scalingRamp: false });
  }
  backends.push(backend);
  return { front, backend };
}

/** Resolves once `front.state()` satisfies `ready` (polled; the test's timeout bounds it). */
async function until(front: CloudModel, ready: (state: ReturnType<CloudModel['state']>) => boolean): Promise<void> {
  while (!ready(front.state())) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Starts `count` held tasks on `backend`; returns their results and the release. */
function holdMany(backend: Backend, count: number): { results: Promise<unknown[]>; release: () => void } {
  const file = join(holdDir, `release-${nextId++}`);
  const results = Promise.all(Array.from({ length: count }, () => backend.invoke(envelope('hold', file))));
  return { results, release: () => writeFileSync(file, '') };
}

async function succeeded(backend: Backend, task = 'echo'): Promise<void> {
  const result = await backend.invoke(envelope(task, 1));
  expect(result.ok).toBe(true);
}

describe('cloud model: environments', () => {
  it.each(['gcf', 'lambda'] as const)('%s: a new concurrent environment cold-starts; a sequential request reuses the warm one', async (cloud) => {
    const { front, backend } = await modelled(cloud === 'gcf' ? gcfFleet(quick) : lambdaFleet(quick));
    await succeeded(backend);
    await succeeded(backend);
    expect(front.state()).toMatchObject({ invocations: 2, coldStarts: 1, environments: 1 });
    const held = holdMany(backend, 2);
    await until(front, (state) => state.busy === 2);
    expect(front.state()).toMatchObject({ coldStarts: 2, environments: 2 });
    held.release();
    for (const result of (await held.results) as { ok: boolean }[]) expect(result.ok).toBe(true);
    expect(front.state()).toMatchObject({ invocations: 4, coldStarts: 2, busy: 0 });
    expect(front.state().billedUsd).toBeGreaterThan(4 * front.fleet.usdPerRequest);
  });

  it('reclaims an environment idle longer than the warm period: the next request cold-starts', async () => {
    const { front, backend } = await modelled(gcfFleet({ ...quick, warmMs: 50 }));
    await succeeded(backend);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await succeeded(backend);
    expect(front.state()).toMatchObject({ invocations: 2, coldStarts: 2, reclaimed: 1, environments: 1 });
  });
});

describe('cloud model: limits', () => {
  it('Lambda past its concurrency: 429 TooManyRequestsException, the typed throttle error', async () => {
    const { front, backend } = await modelled(lambdaFleet({ ...quick, maxConcurrency: 1 }));
    const held = holdMany(backend, 1);
    await until(front, (state) => state.busy === 1);
    const error = await rejectionOf(backend.invoke(envelope('echo', 1)));
    expect(isOffloadError(error, 'ERR_BACKEND_THROTTLED')).toBe(true);
    expect((error as { providerCode?: string }).providerCode).toBe('TooManyRequestsException');
    expect(front.state().throttled.ConcurrentInvocationLimitExceeded).toBe(1);
    held.release();
    await held.results;
  });

  it("Lambda's scaling rate: new environments beyond the bucket are throttled, warm ones still serve", async () => {
    const { front, backend } = await modelled(lambdaFleet({ ...quick, scaleEnvironments: 2, scalePerMs: 1e9 }));
    const held = holdMany(backend, 2);
    await until(front, (state) => state.busy === 2);
    const error = await rejectionOf(backend.invoke(envelope('echo', 1)));
    expect(isOffloadError(error, 'ERR_BACKEND_THROTTLED')).toBe(true);
    expect(front.state().throttled.ScalingRateExceeded).toBe(1);
    held.release();
    await held.results;
    await succeeded(backend);
    expect(front.state()).toMatchObject({ coldStarts: 2, invocations: 3 });
  });

  it('Cloud Functions at max instances: a request waits for a free instance and takes it warm', async () => {
    const { front, backend } = await modelled(gcfFleet({ ...quick, maxConcurrency: 1, queueTimeoutMs: 600_000 }));
    const held = holdMany(backend, 1);
    await until(front, (state) => state.busy === 1);
    const queued = backend.invoke(envelope('echo', 1));
    await until(front, (state) => state.queued === 1);
    held.release();
    expect((await queued).ok).toBe(true);
    expect(front.state()).toMatchObject({ invocations: 2, coldStarts: 1, queued: 0 });
  });

  it('Cloud Functions: a request still waiting at the queue timeout gets a 429, the typed throttle error', async () => {
    const { front, backend } = await modelled(gcfFleet({ ...quick, maxConcurrency: 1, queueTimeoutMs: 100 }));
    const held = holdMany(backend, 1);
    await until(front, (state) => state.busy === 1);
    const error = await rejectionOf(backend.invoke(envelope('echo', 1)));
    expect(isOffloadError(error, 'ERR_BACKEND_THROTTLED')).toBe(true);
    expect((error as { providerCode?: string }).providerCode).toBe('HTTP 429');
    expect(front.state().throttled.QueueTimeout).toBe(1);
    held.release();
    await held.results;
  });
});
