// The latency-aware scheduler (issue 12, part 2) through the public API,
// against the cloud model (startCloudModel of spillway/dev) in front of the
// real Functions Framework: a remote whose environments are cold and whose
// CPU is slower keeps a short queue local; once environments are warm (and
// the scheduler learned their run time and network), the queue spills to
// them without starting new ones. Assertions are on where tasks ran and on
// the model's counters, never on elapsed time.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { type CloudModel, gcfFleet, startCloudModel } from '../../infra/dev-entry.js';
import { createOffloader, type Offloader } from '../../src/index.js';
import { nap } from '../fixtures/model-tasks.mjs';
import { type FunctionsFrameworkServer, startFunctionsFramework } from '../support/functions-framework.js';

const tasks = new URL('../fixtures/model-tasks.mjs', import.meta.url);
/** Cold start and speed of the modelled fleet, told to the adapter as its priors too. */
const COLD_START_MS = 3000;
const SPEED = 2;
const NAP_MS = 100;
const QUEUE = 14;

let framework: FunctionsFrameworkServer;
let front: CloudModel;
let offloader: Offloader;
let gcf: ReturnType<typeof cloudFunctions>;

beforeAll(async () => {
  framework = await startFunctionsFramework({ source: fileURLToPath(new URL('../fixtures/model-gcf-entry.mjs', import.meta.url)) });
  const fleet = gcfFleet({ coldStartMs: [COLD_START_MS, COLD_START_MS], networkMs: [0, 0], speedFactor: SPEED });
  front = await startCloudModel({ fleet, upstream: framework.url });
  gcf = cloudFunctions({
    url: `${front.url}/`,
    auth: 'none',
    // The fleet's instance size, so the adapter's price model is the model's.
    pricing: { memoryMb: 2048, vcpu: 1 },
    latency: { coldStartMs: COLD_START_MS, speedFactor: SPEED, networkMs: 0 },
  });
  offloader = createOffloader({ tasks, local: { maxWorkers: 1, minWorkers: 1 }, remotes: [gcf], burst: { maxQueueDepth: 0 } });
  // The pool learns the task's run time first.
  await offloader.run(nap, NAP_MS, { placement: 'local' });
}, 120_000);

afterAll(async () => {
  await offloader?.close();
  await front?.stop();
  await framework?.stop();
});

/** Runs `QUEUE` naps at once with `placement: 'auto'`; returns how many ran where. */
async function queueOf(): Promise<Record<string, number>> {
  const ranOn: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: QUEUE }, () => offloader.run(nap, NAP_MS, { onSuccess: (_value, { backend }) => (ranOn[backend] = (ranOn[backend] ?? 0) + 1) })),
  );
  return ranOn;
}

describe('latency-aware overflow against the cloud model', () => {
  it('keeps a queue local while the remote is cold and slower, and spills to its warm environments once it has some', async () => {
    // Cold: the longest local wait (13 naps) is far below a cold start plus the slower run.
    expect(await queueOf()).toEqual({ local: QUEUE });
    expect(front.state()).toMatchObject({ invocations: 0, coldStarts: 0 });

    // Three environments start (pinned runs) and stay warm.
    await Promise.all([1, 2, 3].map(() => offloader.run(nap, NAP_MS, { placement: 'gcf' })));
    expect(front.state()).toMatchObject({ invocations: 3, coldStarts: 3, environments: 3 });
    // Each cold start is billed: the spend ledger holds what the model billed (INIT + run time x speed).
    expect(offloader.stats().spend.totalUsd).toBeGreaterThanOrEqual(3 * gcf.estimateCostUsd(0, COLD_START_MS));
    expect(offloader.stats().spend.totalUsd).toBeCloseTo(front.state().billedUsd, 12);

    const ranOn = await queueOf();
    expect(ranOn.gcf).toBeGreaterThan(0);
    expect(ranOn.gcf).toBeLessThanOrEqual(3);
    expect((ranOn.gcf ?? 0) + (ranOn.local ?? 0)).toBe(QUEUE);
    // Only the warm environments were used: no new cold start.
    expect(front.state()).toMatchObject({ coldStarts: 3, invocations: 3 + ranOn.gcf });
    expect(offloader.stats().spend.totalUsd).toBeCloseTo(front.state().billedUsd, 12);
  }, 60_000);
});
