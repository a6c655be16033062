/**
 * W3C trace context across a boundary: written into an envelope's `headers`
 * on the caller's side, restored around the task where it runs. The global
 * OpenTelemetry propagator is used when one is registered (so X-Ray or
 * baggage propagators work); without one, `traceparent` and `tracestate` are
 * written and read here, so a task's spans join the caller's trace whenever
 * the process it runs in has a context manager.
 */
import { type Context, context, createTraceState, propagation, ROOT_CONTEXT, type Span, type SpanContext, trace } from '@opentelemetry/api';

/** Trace headers as they travel in an envelope (`traceparent`, `tracestate`, ...). */
export type TraceHeaders = Record<string, string>;

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;
const INVALID_TRACE_ID = /^0+$/;

/** The headers that carry the span context of `ctx` to another process. */
export function injectTraceHeaders(ctx: Context): TraceHeaders {
  const headers: TraceHeaders = {};
  propagation.inject(ctx, headers);
  if (headers.traceparent === undefined) {
    const spanContext = trace.getSpanContext(ctx);
    if (spanContext !== undefined) {
      headers.traceparent = `00-${spanContext.traceId}-${spanContext.spanId}-0${(spanContext.traceFlags & 1).toString(16)}`;
      const state = spanContext.traceState?.serialize();
      if (state) headers.tracestate = state;
    }
  }
  return headers;
}

/**
 * The headers that carry `attempt` (a child of the task span in `taskContext`)
 * to where it runs. Without a registered global propagator (`propagation.fields()`
 * is empty), `traceparent` is written straight from the span's context, with no
 * context or carrier built for the propagator API.
 */
export function attemptTraceHeaders(taskContext: Context, attempt: Span): TraceHeaders {
  if (propagation.fields().length > 0) return injectTraceHeaders(trace.setSpan(taskContext, attempt));
  const spanContext = attempt.spanContext();
  const traceparent = `00-${spanContext.traceId}-${spanContext.spanId}-${spanContext.traceFlags & 1 ? '01' : '00'}`;
  const state = spanContext.traceState?.serialize();
  return state ? { traceparent, tracestate: state } : { traceparent };
}

/** Parses a W3C `traceparent` (version 00 and later); undefined when it is malformed. */
function parseTraceparent(traceparent: string | undefined, tracestate: string | undefined): SpanContext | undefined {
  const match = traceparent === undefined ? null : TRACEPARENT.exec(traceparent.trim());
  if (match === null || INVALID_TRACE_ID.test(match[1]) || INVALID_TRACE_ID.test(match[2])) return undefined;
  const spanContext: SpanContext = { traceId: match[1], spanId: match[2], traceFlags: Number.parseInt(match[3], 16) & 1, isRemote: true };
  if (tracestate) spanContext.traceState = createTraceState(tracestate);
  return spanContext;
}

/**
 * The context to run a task in: the active one when it already has a span
 * (the platform's own instrumentation, or a handler span, restored it),
 * else the active context with the caller's span taken from `headers`.
 */
export function extractTraceContext(headers: TraceHeaders | undefined): Context {
  const active = context.active();
  if (headers === undefined || trace.getSpan(active) !== undefined) return active;
  const extracted = propagation.extract(active, headers);
  if (trace.getSpan(extracted) !== undefined) return extracted;
  const spanContext = parseTraceparent(headers.traceparent, headers.tracestate);
  return spanContext === undefined ? extracted : trace.setSpanContext(extracted, spanContext);
}

const PROBE = ROOT_CONTEXT.setValue(Symbol('spillway.context-probe'), true);
const isProbeActive = () => context.active() === PROBE;

/** True when this process (or thread) has a context manager: `context.with` carries a context into its callback, so a restored trace context reaches a task. */
export function canRestoreTraceContext(): boolean {
  return context.with(PROBE, isProbeActive);
}

/**
 * Runs `work` in the trace context that `headers` carry (see {@link extractTraceContext});
 * just `work()` without headers, or when this process has no context manager
 * (`context.with` would not carry a context into `work`, so the headers are not parsed).
 */
export function withTraceHeaders<T>(headers: TraceHeaders | undefined, work: () => T): T {
  if (headers === undefined || !canRestoreTraceContext()) return work();
  return context.with(extractTraceContext(headers), work);
}
