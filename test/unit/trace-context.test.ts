// Trace context in the envelope: compatible with handlers that predate it,
// never a reason to fail a task, carried through the local wire format, and
// written and read without a registered propagator (W3C format).
import { context, ROOT_CONTEXT, type SpanContext, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packEnvelopes, unpackEnvelopes } from '../../src/backends/local/wire-format.js';
import { createRuntime, createTaskRegistry, ENVELOPE_VERSION, serialize, TaskEnvelope } from '../../src/contract/index.js';
import { offloadable } from '../../src/index.js';
import { extractTraceContext, injectTraceHeaders } from '../../src/observability/trace-context.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const envelope = (headers?: unknown) => ({
  version: ENVELOPE_VERSION,
  id: 't-1',
  task: 'activeTraceId',
  bundleHash: 'hash',
  attempt: 1,
  input: serialize(null, 'input'),
  ...(headers === undefined ? {} : { headers }),
});

const runtime = createRuntime(createTaskRegistry({ activeTraceId: offloadable('activeTraceId', () => trace.getActiveSpan()?.spanContext().traceId ?? null) }), {
  bundleHash: 'hash',
});

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => {
  context.disable();
});

describe('envelope headers', () => {
  it('a handler of the previous envelope schema (no `headers`) accepts an envelope that carries them', () => {
    const previous = TaskEnvelope.omit({ headers: true });
    const parsed = previous.safeParse(envelope({ traceparent: TRACEPARENT, tracestate: 'vendor=1' }));
    expect(parsed.success).toBe(true);
    expect(parsed.data).not.toHaveProperty('headers');
  });

  it('the runtime runs the task in the trace context the headers carry (no tracer provider needed)', async () => {
    const result = await runtime.execute(envelope({ traceparent: TRACEPARENT }));
    expect(result).toMatchObject({ ok: true });
    expect(result.ok && JSON.parse(result.output)).toEqual(['0af7651916cd43dd8448eb211c80319c']);
  });

  it('malformed headers are dropped, never fail the task', async () => {
    for (const headers of [42, { traceparent: 7 }, { traceparent: 'not-a-traceparent' }]) {
      const result = await runtime.execute(envelope(headers));
      expect(result).toMatchObject({ ok: true });
      expect(result.ok && JSON.parse(result.output)).toEqual([null]);
    }
  });

  it('travel through the local wire format', () => {
    const envelopes = [
      envelope({ traceparent: TRACEPARENT }),
      envelope(),
      envelope({ traceparent: TRACEPARENT, tracestate: 'vendor=1' }),
      envelope({ traceparent: 7 }),
      envelope(42),
    ] as TaskEnvelope[];
    expect(unpackEnvelopes(packEnvelopes(envelopes))).toEqual(envelopes);
  });
});

describe('W3C trace context without a registered propagator', () => {
  const spanContext: SpanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };

  it('writes traceparent from the span context and reads it back as a remote parent', () => {
    const headers = injectTraceHeaders(trace.setSpanContext(ROOT_CONTEXT, spanContext));
    expect(headers).toEqual({ traceparent: TRACEPARENT });
    expect(trace.getSpanContext(extractTraceContext(headers))).toEqual({ ...spanContext, isRemote: true });
  });

  it('keeps an active span (the platform instrumentation or a handler span) rather than the headers', () => {
    const other: SpanContext = { ...spanContext, spanId: '1111111111111111' };
    context.with(trace.setSpanContext(ROOT_CONTEXT, other), () => {
      expect(trace.getSpanContext(extractTraceContext({ traceparent: TRACEPARENT }))?.spanId).toBe('1111111111111111');
    });
  });
});
