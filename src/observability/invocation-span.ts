/**
 * The function side of a trace: a cloud handler runs each envelope inside a
 * SERVER span with the OpenTelemetry FaaS attributes (`faas.trigger`,
 * `faas.coldstart`, `faas.invocation_id`), a child of the caller's attempt
 * span whose context the envelope (or the HTTP request) carried. Without a
 * tracer provider in the function's process, the task still runs in the
 * caller's context (the runtime restores it), and no span is made.
 */
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ResultEnvelope } from '../contract/envelope.js';
import { extractTraceContext, type TraceHeaders } from './trace-context.js';
import { ATTR, activeTracer, OUTCOME_OK } from './tracer.js';

/** What a handler knows about one invocation. */
export interface InvocationFacts {
  /** `faas.trigger`: `http` for an HTTP function, `other` for a direct invoke. */
  trigger: 'http' | 'other';
  /** `faas.invocation_id`, when the platform gives one (Lambda's request id). */
  invocationId?: string;
  /** The function's name (the span's name, as the FaaS conventions ask); `spillway.invocation` when unknown. */
  functionName?: string;
}

/** True until this process handled its first invocation. */
let coldStart = true;

function headersOf(event: unknown): TraceHeaders | undefined {
  const headers = (event as { headers?: unknown } | null)?.headers;
  return typeof headers === 'object' && headers !== null ? (headers as TraceHeaders) : undefined;
}

/**
 * Runs `work` (which executes `event`) in a SERVER span when a tracer
 * provider is registered. The trace context comes from the event's
 * `headers`, else from `fallbackHeaders` (the HTTP request's).
 */
export async function withInvocationSpan(
  facts: InvocationFacts,
  event: unknown,
  fallbackHeaders: TraceHeaders | undefined,
  work: () => Promise<ResultEnvelope>,
): Promise<ResultEnvelope> {
  const cold = coldStart;
  coldStart = false;
  const tracer = activeTracer();
  if (tracer === undefined) return work();
  const parent = extractTraceContext(headersOf(event) ?? fallbackHeaders);
  const task = (event as { task?: unknown } | null)?.task;
  const span = tracer.startSpan(
    facts.functionName ?? 'spillway.invocation',
    {
      kind: SpanKind.SERVER,
      attributes: {
        'faas.trigger': facts.trigger,
        'faas.coldstart': cold,
        ...(facts.invocationId === undefined ? {} : { 'faas.invocation_id': facts.invocationId }),
        ...(typeof task === 'string' ? { [ATTR.taskName]: task } : {}),
      },
    },
    parent,
  );
  try {
    const result = await context.with(trace.setSpan(parent, span), work);
    if (result.ok) {
      span.setAttribute(ATTR.outcome, OUTCOME_OK);
    } else {
      span.setAttributes({ [ATTR.outcome]: result.error.code ?? result.kind, 'error.type': result.error.code ?? result.error.name });
      span.setStatus({ code: SpanStatusCode.ERROR, message: result.error.message });
    }
    return result;
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
    throw error;
  } finally {
    span.end();
  }
}
