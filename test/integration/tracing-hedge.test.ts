// A hedge backup's trace and metrics (issue 11: one `spillway.attempt` span per
// attempt), through the public API against the real Functions Framework on
// 127.0.0.1 and the local pool: the straggler on the remote gets a backup on
// an idle local worker, which wins. The OpenTelemetry SDK (in-memory span and
// metric exporters) is registered in this test's process only.
import { SpanStatusCode } from '@opentelemetry/api';
import { DataPointType } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { createOffloader, type Offloader, type TaskHedgeInfo } from '../../src/index.js';
import { hedged } from '../fixtures/hedge-tasks.mjs';
import { type FunctionsFrameworkServer, GCF_TEST_ENTRY, startFunctionsFramework } from '../support/functions-framework.js';
import { registerOtelSdk } from '../support/otel-sdk.js';

const tasks = new URL('../fixtures/hedge-tasks.mjs', import.meta.url);
const TIMEOUT_MS = 10_000;
const STRAGGLE_MS = 8_000;
/** Runs a task needs on a backend before its percentile is trusted (hedge-history.ts). */
const LEARN_RUNS = 20;

const sdk = registerOtelSdk();
const { spans } = sdk;

let server: FunctionsFrameworkServer;
let offloader: Offloader | undefined;

beforeAll(async () => {
  server = await startFunctionsFramework({ source: GCF_TEST_ENTRY, env: { SPILLWAY_TASKS_URL: tasks.href } });
}, 60_000);
afterAll(async () => {
  await offloader?.destroy();
  await server?.stop();
});

describe('a hedged task, traced', () => {
  it('has a span for the backup beside the straggler, both children of the task span; the straggler ends as cancelled; the backup counts as an attempt', async () => {
    const gcf = cloudFunctions({ url: server.url, auth: 'none', maxBilledColdStartMs: 0 });
    offloader = createOffloader({ tasks, local: { maxWorkers: 2 }, remotes: [gcf] });
    for (let run = 0; run < LEARN_RUNS; run++) await offloader.run(hedged, {}, { placement: 'gcf', timeoutMs: TIMEOUT_MS });
    const hedges: TaskHedgeInfo[] = [];
    offloader.on('hedge', (info) => hedges.push(info));
    spans.reset();
    await expect(offloader.run(hedged, { slow: { 'gcp-functions': STRAGGLE_MS } }, { placement: 'gcf', timeoutMs: TIMEOUT_MS })).resolves.toBe('local');
    expect(hedges).toHaveLength(1);

    const finished = spans.getFinishedSpans();
    const taskSpan = finished.find((span) => span.name === 'spillway.task hedged');
    expect(taskSpan?.attributes).toMatchObject({ 'spillway.outcome': 'ok', 'spillway.backend': 'local', 'spillway.attempts': 2 });
    const attempts = finished.filter((span) => span.name === 'spillway.attempt');
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts) {
      expect(attempt.spanContext().traceId).toBe(taskSpan?.spanContext().traceId);
      expect(attempt.parentSpanContext?.spanId).toBe(taskSpan?.spanContext().spanId);
    }
    const straggler = attempts.find((span) => span.attributes['spillway.backend'] === 'gcf');
    const backup = attempts.find((span) => span.attributes['spillway.backend'] === 'local');
    expect(straggler?.attributes).toMatchObject({ 'spillway.attempt': 1, 'spillway.outcome': 'ERR_ABORTED' });
    expect(straggler?.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(backup?.attributes).toMatchObject({ 'spillway.attempt': 2, 'spillway.attempt.reason': 'hedge', 'spillway.outcome': 'ok' });

    const points = await sdk.metric('spillway.attempts');
    expect(points?.dataPointType).toBe(DataPointType.SUM);
    const hedgePoints = points?.dataPoints.filter((point) => point.attributes['spillway.attempt.reason'] === 'hedge');
    expect(hedgePoints?.map((point) => [point.attributes['spillway.backend'], point.attributes['spillway.outcome'], point.value])).toEqual([
      ['local', 'ok', 1],
    ]);
  }, 90_000);
});
