// `burst.prewarm` (issue 12, part 2) through the public API, against the
// cloud model (startCloudModel of spillway/dev) in front of the real
// Functions Framework: a spike of the local queue sends warm-up invocations
// that start environments on the remote (billed, counted in stats), after
// which the latency-aware scheduler sees them warm and spills to them without
// a new cold start; without `prewarm` a spike sends nothing. Each warm-up is
// a `spillway.warm_up` span and counts in `spillway.prewarms` (the
// OpenTelemetry SDK with in-memory exporters is registered in this test's
// process). Assertions are on the model's counters, the spend ledger, the
// telemetry and where tasks ran, never on elapsed time.
import { fileURLToPath } from 'node:url';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { type CloudModel, gcfFleet, startCloudModel } from '../../infra/dev-entry.js';
import { createOffloader, type Offloader, type PrewarmInfo, ValidationError } from '../../src/index.js';
import { nap } from '../fixtures/model-tasks.mjs';
import { type FunctionsFrameworkServer, startFunctionsFramework } from '../support/functions-framework.js';
import { registerOtelSdk } from '../support/otel-sdk.js';

const tasks = new URL('../fixtures/model-tasks.mjs', import.meta.url);
const COLD_START_MS = 3000;
const NAP_MS = 100;
const QUEUE = 14;
const ENVIRONMENTS = 3;

const sdk = registerOtelSdk();
const { spans } = sdk;

let framework: FunctionsFrameworkServer;
let front: CloudModel;
const offloaders: Offloader[] = [];

function remote() {
  return cloudFunctions({
    url: `${front.url}/`,
    auth: 'none',
    pricing: { memoryMb: 2048, vcpu: 1 },
    latency: { coldStartMs: COLD_START_MS, speedFactor: 1, networkMs: 0 },
    maxBilledColdStartMs: COLD_START_MS,
  });
}

async function offloaderWith(prewarm?: { maxEnvironments: number; onQueueGrowth: number }): Promise<Offloader> {
  const offloader = createOffloader({ tasks, local: { maxWorkers: 1, minWorkers: 1 }, remotes: [remote()], burst: { maxQueueDepth: 0, prewarm } });
  offloaders.push(offloader);
  // The pool learns the task's run time first.
  await offloader.run(nap, NAP_MS, { placement: 'local' });
  return offloader;
}

/** Runs `QUEUE` naps at once with `placement: 'auto'`; returns how many ran where. */
async function queueOf(offloader: Offloader): Promise<Record<string, number>> {
  const ranOn: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: QUEUE }, () => offloader.run(nap, NAP_MS, { onSuccess: (_value, { backend }) => (ranOn[backend] = (ranOn[backend] ?? 0) + 1) })),
  );
  return ranOn;
}

beforeAll(async () => {
  framework = await startFunctionsFramework({ source: fileURLToPath(new URL('../fixtures/model-gcf-entry.mjs', import.meta.url)) });
  front = await startCloudModel({
    fleet: gcfFleet({ coldStartMs: [COLD_START_MS, COLD_START_MS], networkMs: [0, 0], speedFactor: 1 }),
    upstream: framework.url,
  });
}, 120_000);

afterAll(async () => {
  await Promise.all(offloaders.map((offloader) => offloader.close()));
  await front?.stop();
  await framework?.stop();
});

describe('burst.prewarm against the cloud model', () => {
  it('rejects an invalid policy naming the field', () => {
    const make = () => createOffloader({ tasks, remotes: [], burst: { prewarm: { maxEnvironments: 0, onQueueGrowth: 4 } } });
    expect(make).toThrow(ValidationError);
    expect(make).toThrow(/burst\.prewarm\.maxEnvironments/);
  });

  it('sends no warm-up without prewarm', async () => {
    const offloader = await offloaderWith();
    expect(await queueOf(offloader)).toEqual({ local: QUEUE });
    expect(front.state()).toMatchObject({ invocations: 0, coldStarts: 0 });
    expect(offloader.stats().backends.gcf.prewarms).toBe(0);
    expect(offloader.stats().spend.totalUsd).toBe(0);
  }, 60_000);

  it('warms environments on a spike, bills them, and the scheduler then spills to them warm', async () => {
    const offloader = await offloaderWith({ maxEnvironments: ENVIRONMENTS, onQueueGrowth: 4 });
    const gcf = remote();
    const events: PrewarmInfo[] = [];
    offloader.on('prewarm', (info) => events.push(info));
    // The remote is cold: the spike stays local, and warms the remote meanwhile.
    expect(await queueOf(offloader)).toEqual({ local: QUEUE });
    expect(offloader.stats().backends.gcf.prewarms).toBe(ENVIRONMENTS);
    await vi.waitFor(() => expect(front.state()).toMatchObject({ invocations: ENVIRONMENTS, busy: 0 }), { timeout: 30_000, interval: 50 });
    await vi.waitFor(() => expect(offloader.stats().spend.totalUsd).toBeCloseTo(front.state().billedUsd, 12), { timeout: 10_000, interval: 50 });
    expect(front.state()).toMatchObject({ coldStarts: ENVIRONMENTS, environments: ENVIRONMENTS });
    // Billed: the request fee and the INIT each warm-up reported.
    expect(offloader.stats().spend.totalUsd).toBeGreaterThanOrEqual(ENVIRONMENTS * gcf.estimateCostUsd(0, COLD_START_MS));
    // Warm-ups are no tasks.
    expect(offloader.stats().backends.gcf).toMatchObject({ dispatched: 0, succeeded: 0, failed: 0 });
    // One event for the spike; a timeline row, a span and a count per warm-up, with its billed cost and reported INIT.
    expect(events).toEqual([{ backend: 'gcf', warmUps: ENVIRONMENTS, queued: expect.any(Number), busy: 0, warmIdle: 0 }]);
    expect(events[0].queued).toBeGreaterThanOrEqual(4);
    const rows = offloader.timeline().attempts.filter((attempt) => attempt.reason === 'prewarm');
    expect(rows.map((row) => [row.taskName, row.backend, row.outcome])).toEqual(Array(ENVIRONMENTS).fill(['spillway:warm-up', 'gcf', 'ok']));
    expect(rows.reduce((sum, row) => sum + (row.estimatedUsd ?? 0), 0)).toBeCloseTo(offloader.stats().spend.totalUsd, 12);
    const warmUpSpans = spans.getFinishedSpans().filter((span) => span.name === 'spillway.warm_up');
    expect(warmUpSpans).toHaveLength(ENVIRONMENTS);
    for (const span of warmUpSpans) {
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.parentSpanContext).toBeUndefined();
      expect(span.attributes).toMatchObject({ 'spillway.backend': 'gcf', 'spillway.outcome': 'ok', 'spillway.cold_start_ms': expect.any(Number) });
      expect(span.attributes['spillway.cost.billed_usd']).toBeGreaterThan(0);
    }
    const prewarms = await sdk.metric('spillway.prewarms');
    expect(prewarms?.dataPoints.map((point) => [point.attributes['spillway.backend'], point.attributes['spillway.outcome'], point.value])).toEqual([
      ['gcf', 'ok', ENVIRONMENTS],
    ]);

    // The predictor counts the warmed environments: the next queue spills to them, with no new cold start.
    const ranOn = await queueOf(offloader);
    expect(ranOn.gcf).toBeGreaterThan(0);
    expect(ranOn.gcf).toBeLessThanOrEqual(ENVIRONMENTS);
    expect(front.state().coldStarts).toBe(ENVIRONMENTS);
    // The remote is as warm as asked: the second spike sent no more warm-ups.
    expect(offloader.stats().backends.gcf.prewarms).toBe(ENVIRONMENTS);
    expect(events).toHaveLength(1);
  }, 90_000);
});
