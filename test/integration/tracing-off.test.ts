// With no OpenTelemetry tracer provider registered, spillway makes no spans
// and sends no trace headers, and tasks run as before; a provider registered
// later is used from the next task on.
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { createRuntime, createTaskRegistry, hashTaskModule, type TaskEnvelope } from '../../src/contract/index.js';
import { type Backend, createOffloader } from '../../src/index.js';
import * as fixtureTasks from '../fixtures/tasks.js';
import { echo } from '../fixtures/tasks.js';
import { tasksUrl } from '../support/helpers.js';

const runtime = createRuntime(createTaskRegistry(fixtureTasks), { bundleHash: hashTaskModule(tasksUrl) });
const sent: TaskEnvelope[] = [];
/** A remote that keeps every envelope it is sent and runs it through the shared runtime. */
const recording: Backend = {
  name: 'recording',
  kind: 'custom',
  maxConcurrency: 4,
  invoke: async (envelope) => {
    sent.push(envelope);
    return runtime.execute(JSON.parse(JSON.stringify(envelope)));
  },
  close: async () => {},
  destroy: async () => {},
};
const offloader = createOffloader({ tasks: tasksUrl, local: { maxWorkers: 1 }, remotes: [recording] });
afterAll(() => offloader.destroy());

describe('no tracer provider registered', () => {
  it('runs tasks locally and remotely with no trace headers and no errors', async () => {
    await expect(offloader.run(echo, 1, { placement: 'local' })).resolves.toBe(1);
    await expect(offloader.map(echo, [1, 2, 3], { placement: 'local' })).resolves.toEqual([1, 2, 3]);
    await expect(offloader.run(echo, 2, { placement: 'recording' })).resolves.toBe(2);
    expect(sent).toHaveLength(1);
    expect(sent[0]).not.toHaveProperty('headers');
  });

  it('a provider registered later traces the next task', async () => {
    const exporter = new InMemorySpanExporter();
    expect(trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }))).toBe(true);
    await expect(offloader.run(echo, 3, { placement: 'recording' })).resolves.toBe(3);
    const attempt = exporter.getFinishedSpans().find((span) => span.name === 'spillway.attempt');
    const { traceId, spanId } = attempt?.spanContext() ?? {};
    expect(sent[1].headers?.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    trace.disable();
  });
});
