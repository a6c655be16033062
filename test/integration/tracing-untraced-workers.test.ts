// Tracing on in the caller while the pool's workers have no context manager
// (the task module registers no SDK): once a worker said so in a reply, the
// caller sends no trace headers and makes each attempt's spans when it ends.
// The spans must be the same as when they start at dispatch: one task span in
// the caller's context, one attempt span per attempt under it, the attributes,
// the back-dated start times, and failures with their code.
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type Span,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOffloader } from '../../src/index.js';
import { alwaysFails, echo, flaky, sleep } from '../fixtures/tasks.js';
import { rejectionOf, tasksUrl } from '../support/helpers.js';

const exporter = new InMemorySpanExporter();
/** When (`Date.now()`) the SDK was told each span started, by span id. */
const startedAt = new Map<string, number>();
const startWatch: SpanProcessor = {
  onStart: (span: Span) => startedAt.set(span.spanContext().spanId, Date.now()),
  onEnd: () => {},
  forceFlush: async () => {},
  shutdown: async () => {},
};
const contextManager = new AsyncLocalStorageContextManager().enable();
const offloader = createOffloader({ tasks: tasksUrl, local: { maxWorkers: 1 }, retry: { minDelayMs: 1, maxDelayMs: 5 } });
const tracer = () => trace.getTracer('test');

beforeAll(async () => {
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [startWatch, new SimpleSpanProcessor(exporter)] }));
  // The first chunk goes out before any worker said it cannot restore a context; its reply says so.
  await offloader.run(echo, 0, { placement: 'local' });
});
afterAll(async () => {
  await offloader.destroy();
  trace.disable();
  context.disable();
});
beforeEach(() => exporter.reset());

const ms = (time: [number, number]) => time[0] * 1000 + time[1] / 1e6;

function spansOf(taskName: string): { tasks: ReadableSpan[]; attemptsOf: (task: ReadableSpan) => ReadableSpan[] } {
  const spans = exporter.getFinishedSpans();
  return {
    tasks: spans.filter((span) => span.name === `spillway.task ${taskName}`),
    attemptsOf: (task) =>
      spans
        .filter((span) => span.name === 'spillway.attempt' && span.parentSpanContext?.spanId === task.spanContext().spanId)
        .sort((a, b) => Number(a.attributes['spillway.attempt']) - Number(b.attributes['spillway.attempt'])),
  };
}

describe('workers without a context manager', () => {
  it('map: one task span per input under the caller span, each with one attempt span and its attributes', async () => {
    const caller = tracer().startSpan('caller');
    await context.with(trace.setSpan(context.active(), caller), () => offloader.map(echo, [1, 2, 3, 4], { placement: 'local' }));
    caller.end();
    const { tasks, attemptsOf } = spansOf('echo');
    expect(tasks).toHaveLength(4);
    for (const task of tasks) {
      expect(task.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
      expect(task.attributes).toMatchObject({ 'spillway.task.name': 'echo', 'spillway.backend': 'local', 'spillway.attempts': 1, 'spillway.outcome': 'ok' });
      const attempts = attemptsOf(task);
      expect(attempts).toHaveLength(1);
      expect(attempts[0].attributes).toMatchObject({ 'spillway.backend': 'local', 'spillway.attempt': 1, 'spillway.outcome': 'ok' });
      expect(attempts[0].attributes['spillway.queue_ms']).toBeTypeOf('number');
      expect(attempts[0].attributes['spillway.run_ms']).toBeTypeOf('number');
      expect(ms(task.startTime)).toBeLessThanOrEqual(ms(attempts[0].startTime) + 1);
    }
  });

  it('the spans are made when the attempt ends, back-dated to cover it from its queueing', async () => {
    await offloader.run(sleep, 150, { placement: 'local' });
    const { tasks, attemptsOf } = spansOf('sleep');
    const [attempt] = attemptsOf(tasks[0]);
    expect(attempt.attributes['spillway.run_ms']).toBeGreaterThanOrEqual(149);
    expect(ms(attempt.endTime) - ms(attempt.startTime)).toBeGreaterThanOrEqual(149);
    // Made after the task ran: the SDK heard of both spans at least the task's 150 ms after their start times.
    for (const span of [tasks[0], attempt]) expect(startedAt.get(span.spanContext().spanId)).toBeGreaterThanOrEqual(ms(span.startTime) + 149);
  });

  it('retries: one attempt span per attempt under one task span; the failed ones record their error', async () => {
    await offloader.run(flaky, null, { placement: 'local' });
    const { tasks, attemptsOf } = spansOf('flaky');
    expect(tasks).toHaveLength(1);
    const attempts = attemptsOf(tasks[0]);
    expect(attempts.map((span) => span.attributes['spillway.attempt'])).toEqual([1, 2, 3]);
    for (const failed of attempts.slice(0, 2)) {
      expect(failed.status.code).toBe(SpanStatusCode.ERROR);
      expect(failed.attributes['spillway.retry.reason']).toContain('the task threw');
      expect(failed.events.some((event) => event.name === 'exception')).toBe(true);
    }
    expect(attempts[2].attributes['spillway.outcome']).toBe('ok');
    expect(tasks[0].attributes['spillway.attempts']).toBe(3);
  });

  it('a failure sets the status of the task span and of its last attempt, with the code', async () => {
    const error = await rejectionOf(offloader.run(alwaysFails, null, { placement: 'local' }));
    const { tasks, attemptsOf } = spansOf('alwaysFails');
    const attempts = attemptsOf(tasks[0]);
    expect(attempts).toHaveLength(3);
    for (const span of [tasks[0], attempts[2]]) {
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['spillway.error.code']).toBe((error as { code: string }).code);
    }
  });
});
