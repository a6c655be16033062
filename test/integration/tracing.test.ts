// OpenTelemetry traces and metrics through the public API, with the real SDK
// (in-memory span exporter, AsyncLocalStorage context manager, in-memory
// metric reader). The task module (fixtures/traced-tasks.mjs) registers the
// SDK in every process that loads it: this one, the local worker threads and
// both emulators' processes; a task answers with the span active when it
// started and the span it made, so the test sees across the boundary:
// - local: the task's own span is a child of the attempt span (restored in the worker);
// - lambda/gcf (spillway/dev emulators, serving the bundle): the handler's
//   SERVER span (faas.*) is a child of the attempt span, the task's span a child of it.
import { LambdaClient } from '@aws-sdk/client-lambda';
import { metrics, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lambda } from '../../adapters/aws-lambda/index.js';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { type DevSession, startDev } from '../../infra/dev-entry.js';
import { createOffloader, type Offloader } from '../../src/index.js';
import { exporter, failCoded, hold, registeredHere, type SeenSpan, whereAmI } from '../fixtures/traced-tasks.mjs';
import { downRemote } from '../support/down-remote.js';
import { rejectionOf } from '../support/helpers.js';

const tasksUrl = new URL('../fixtures/traced-tasks.mjs', import.meta.url);
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
// Before any offloader exists: the metrics API has no proxy.
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

let dev: DevSession;
let offloader: Offloader;
const remoteDown = downRemote();

beforeAll(async () => {
  dev = await startDev({ tasks: tasksUrl, lambda: true });
  const client = new LambdaClient(dev.lambda?.clientConfig ?? {});
  offloader = createOffloader({
    tasks: tasksUrl,
    local: { maxWorkers: 1 },
    remotes: [
      lambda({ functionName: dev.lambda?.functionName ?? '', region: dev.lambda?.region, client }),
      cloudFunctions({ url: dev.gcfUrl, auth: 'none' }),
      remoteDown,
    ],
    retry: { minDelayMs: 1, maxDelayMs: 5 },
  });
}, 120_000);

afterAll(async () => {
  await offloader?.destroy();
  await dev?.stop();
});

beforeEach(() => exporter.reset());

function spansOfTask(taskId: string): { task: ReadableSpan; attempts: ReadableSpan[] } {
  const spans = exporter.getFinishedSpans();
  const task = spans.find((span) => span.attributes['spillway.task.id'] === taskId && span.name.startsWith('spillway.task '));
  if (task === undefined) throw new Error(`no task span for ${taskId}: ${spans.map((span) => span.name).join(', ')}`);
  const attempts = spans.filter((span) => span.name === 'spillway.attempt' && span.parentSpanContext?.spanId === task.spanContext().spanId);
  return { task, attempts };
}

async function runWhereAmI(placement: string): Promise<{ taskId: string; seen: { active?: SeenSpan; inner: SeenSpan } }> {
  let taskId = '';
  const seen = await offloader.run(whereAmI, null, { placement, onSuccess: (_, info) => (taskId = info.taskId) });
  return { taskId, seen };
}

describe('traces', () => {
  it('the test process registered the SDK through the task module', () => {
    expect(registeredHere).toBe(true);
  });

  it('local: one trace; the span made inside the task (in the worker thread) is a child of the attempt span', async () => {
    const { taskId, seen } = await runWhereAmI('local');
    const { task, attempts } = spansOfTask(taskId);
    expect(task.name).toBe('spillway.task whereAmI');
    expect(attempts).toHaveLength(1);
    const [attempt] = attempts;
    expect(attempt.kind).toBe(SpanKind.INTERNAL);
    expect(attempt.attributes).toMatchObject({ 'spillway.backend': 'local', 'spillway.attempt': 1, 'spillway.outcome': 'ok' });
    expect(attempt.attributes['spillway.queue_ms']).toBeTypeOf('number');
    expect(attempt.attributes['spillway.run_ms']).toBeTypeOf('number');
    expect(seen.inner.traceId).toBe(task.spanContext().traceId);
    expect(seen.inner.parentSpanId).toBe(attempt.spanContext().spanId);
    expect(seen.active?.spanId).toBe(attempt.spanContext().spanId);
  });

  for (const placement of ['lambda', 'gcf'] as const) {
    it(`${placement}: the handler's invocation span is a child of the attempt span, and the task's span a child of it`, async () => {
      const { taskId, seen } = await runWhereAmI(placement);
      const { task, attempts } = spansOfTask(taskId);
      expect(attempts).toHaveLength(1);
      const [attempt] = attempts;
      expect(attempt.kind).toBe(SpanKind.CLIENT);
      expect(attempt.attributes).toMatchObject({
        'spillway.backend': placement,
        'faas.invoked_provider': placement === 'lambda' ? 'aws' : 'gcp',
        'spillway.breaker.state': 'closed',
        'spillway.outcome': 'ok',
      });
      expect(attempt.attributes['faas.invoked_name']).toBeTypeOf('string');
      expect(attempt.attributes['spillway.cost.estimated_usd']).toBeTypeOf('number');
      if (placement === 'lambda') expect(attempt.attributes['faas.invoked_region']).toBe('us-east-1');
      const handlerSpan = seen.active;
      expect(handlerSpan?.traceId).toBe(task.spanContext().traceId);
      expect(handlerSpan?.parentSpanId).toBe(attempt.spanContext().spanId);
      expect(handlerSpan?.attributes).toMatchObject({ 'faas.trigger': placement === 'lambda' ? 'other' : 'http', 'spillway.task.name': 'whereAmI' });
      expect(handlerSpan?.attributes['faas.coldstart']).toBeTypeOf('boolean');
      if (placement === 'lambda') expect(handlerSpan?.attributes['faas.invocation_id']).toBeTypeOf('string');
      expect(seen.inner.traceId).toBe(task.spanContext().traceId);
      expect(seen.inner.parentSpanId).toBe(handlerSpan?.spanId);
    });
  }

  it('a retry with failover: two attempt spans under one task span, the first failed with its code and the reason', async () => {
    const { taskId, seen } = await runWhereAmI('down');
    const { task, attempts } = spansOfTask(taskId);
    expect(attempts).toHaveLength(2);
    const [failed, retried] = attempts.sort((a, b) => Number(a.attributes['spillway.attempt']) - Number(b.attributes['spillway.attempt']));
    expect(failed.attributes).toMatchObject({ 'spillway.backend': 'down', 'spillway.error.code': 'ERR_BACKEND_HTTP_503' });
    const next = failed.attributes['spillway.retry.next_backend'];
    expect(failed.attributes['spillway.retry.reason']).toContain('ERR_BACKEND_HTTP_503');
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.events.find((event) => event.name === 'exception')?.attributes?.['exception.type']).toBe('ERR_BACKEND_HTTP_503');
    expect(retried.attributes).toMatchObject({ 'spillway.backend': next, 'spillway.attempt': 2, 'spillway.outcome': 'ok' });
    expect(task.attributes).toMatchObject({ 'spillway.attempts': 2, 'spillway.backend': next, 'spillway.outcome': 'ok' });
    // The retry's attempt span is the parent of the span active in the task (local) or of the handler's span (remote).
    expect([seen.active?.spanId, seen.active?.parentSpanId]).toContain(retried.spanContext().spanId);
  });

  it("a task's failure sets the status of both spans and records the error with its code", async () => {
    let taskId = '';
    await rejectionOf(offloader.run(failCoded, null, { placement: 'local', onError: (_, info) => (taskId = info.taskId) }));
    const { task, attempts } = spansOfTask(taskId);
    for (const span of [task, ...attempts]) {
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['spillway.error.code']).toBe('E_QUOTA');
    }
  });

  it('a task that waits in the local queue: its spans start when it was submitted; one aborted there still ends both', async () => {
    // Attempts with a timeout travel one per chunk: two holds fill the one worker's two chunk slots, the next two wait in the queue.
    const options = { placement: 'local', timeoutMs: 30_000 } as const;
    const holds = [offloader.run(hold, 300, options), offloader.run(hold, 300, options)];
    const ids = { queued: '', aborted: '' };
    const controller = new AbortController();
    const queued = offloader.run(whereAmI, null, { ...options, onSuccess: (_, info) => (ids.queued = info.taskId) });
    const aborted = offloader.run(whereAmI, null, { ...options, signal: controller.signal, onError: (_, info) => (ids.aborted = info.taskId) });
    controller.abort();
    const [error] = await Promise.all([rejectionOf(aborted), queued, ...holds]);
    const ms = (time: [number, number]) => time[0] * 1000 + time[1] / 1e6;
    const waited = spansOfTask(ids.queued);
    expect(waited.attempts).toHaveLength(1);
    const [attempt] = waited.attempts;
    const queuedMs = attempt.attributes['spillway.queue_ms'] as number;
    expect(queuedMs).toBeGreaterThan(100);
    // The attempt span covers its time in the queue (1 ms: the SDK converts each span's times with its own Date.now() offset).
    expect(ms(attempt.endTime) - ms(attempt.startTime)).toBeGreaterThanOrEqual(queuedMs - 1);
    expect(ms(waited.task.startTime)).toBeLessThanOrEqual(ms(attempt.startTime) + 1);
    const dropped = spansOfTask(ids.aborted);
    expect(dropped.attempts).toHaveLength(1);
    for (const span of [dropped.task, ...dropped.attempts]) {
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['spillway.error.code']).toBe((error as { code: string }).code);
    }
  });

  it('map: one task span per input, in the caller context', async () => {
    await offloader.map(whereAmI, [null, null, null], { placement: 'local' });
    const taskSpans = exporter.getFinishedSpans().filter((span) => span.name === 'spillway.task whereAmI');
    expect(taskSpans).toHaveLength(3);
  });
});

describe('metrics', () => {
  it('counts tasks and attempts per backend and outcome as the events report them', async () => {
    await reader.forceFlush();
    metricExporter.reset();
    const before = await collectCounts();
    const events: { tasks: Map<string, number>; attempts: Map<string, number> } = { tasks: new Map(), attempts: new Map() };
    const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
    offloader.on('success', (info) => {
      add(events.tasks, `${info.backend}/ok`);
      add(events.attempts, `${info.backend}/ok`);
    });
    offloader.on('failure', (info) => {
      add(events.tasks, `${info.backend}/${info.error.code}`);
      add(events.attempts, `${info.backend}/${info.error.code}`);
    });
    offloader.on('retry', (info) => add(events.attempts, `${info.backend}/${info.error.code}`));
    await offloader.map(whereAmI, [null, null, null], { placement: 'local' });
    await offloader.run(whereAmI, null, { placement: 'gcf' });
    await offloader.run(whereAmI, null, { placement: 'lambda' });
    await offloader.run(whereAmI, null, { placement: 'down' });
    await rejectionOf(offloader.run(failCoded, null, { placement: 'gcf' }));
    const after = await collectCounts();
    const delta = (name: 'tasks' | 'attempts') =>
      new Map([...after[name]].map(([key, value]) => [key, value - (before[name].get(key) ?? 0)]).filter(([, value]) => value !== 0) as [string, number][]);
    expect(delta('tasks')).toEqual(events.tasks);
    expect(delta('attempts')).toEqual(events.attempts);
    expect(events.attempts.get('down/ERR_BACKEND_HTTP_503')).toBe(1);
    expect(after.gauges).toEqual(expect.arrayContaining(['spillway.local.queue_depth', 'spillway.remote.in_flight', 'spillway.spend.committed']));
    expect(after.histograms).toEqual(expect.arrayContaining(['spillway.queue.duration', 'spillway.run.duration', 'spillway.task.duration']));
  });

  it("adds a second offloader's counts to the same totals and keeps them once it closed (a provider's last export at shutdown has them)", async () => {
    const short = createOffloader({ tasks: tasksUrl, local: { maxWorkers: 1 } });
    const before = await collectCounts();
    await short.map(whereAmI, [null, null], { placement: 'local' });
    const open = await collectCounts();
    await short.close();
    const closed = await collectCounts();
    expect((open.tasks.get('local/ok') ?? 0) - (before.tasks.get('local/ok') ?? 0)).toBe(2);
    expect(closed.tasks.get('local/ok')).toBe(open.tasks.get('local/ok'));
    expect(closed.attempts.get('local/ok')).toBe(open.attempts.get('local/ok'));
    // The gauges are the process's sums: one point per set of attributes, open or closed.
    expect(closed.gaugePoints).toBe(open.gaugePoints);
    expect(closed.gauges).toEqual(expect.arrayContaining(['spillway.local.queue_depth', 'spillway.remote.in_flight', 'spillway.spend.committed']));
  });
});

async function collectCounts(): Promise<{
  tasks: Map<string, number>;
  attempts: Map<string, number>;
  gauges: string[];
  gaugePoints: number;
  histograms: string[];
}> {
  const { resourceMetrics } = await reader.collect();
  const result = { tasks: new Map<string, number>(), attempts: new Map<string, number>(), gauges: [] as string[], gaugePoints: 0, histograms: [] as string[] };
  for (const metric of resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics)) {
    const name = metric.descriptor.name;
    if (metric.dataPointType === DataPointType.GAUGE) {
      result.gauges.push(name);
      result.gaugePoints += metric.dataPoints.length;
    }
    if (metric.dataPointType === DataPointType.HISTOGRAM) result.histograms.push(name);
    const target = name === 'spillway.tasks' ? result.tasks : name === 'spillway.attempts' ? result.attempts : undefined;
    if (target === undefined) continue;
    for (const point of metric.dataPoints) {
      const key = `${point.attributes['spillway.backend']}/${point.attributes['spillway.outcome']}`;
      target.set(key, (target.get(key) ?? 0) + (point.value as number));
    }
  }
  return result;
}
