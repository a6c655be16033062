/**
 * The spans of one task: `spillway.task <name>` in the caller's context and
 * one `spillway.attempt` child per attempt, whose context travels to where
 * the attempt runs (see `trace-context.ts`). Made only while a tracer
 * provider is registered ({@link startTaskTrace}).
 */
import { type Attributes, type Context, context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { BackendFacts } from '../backends/backend.js';
import type { OffloadError } from '../errors.js';
import { attemptTraceHeaders, type TraceHeaders } from './trace-context.js';
import { ATTR, activeTracer, OUTCOME_OK } from './tracer.js';

/** A backend as the trace sees it. */
type TracedBackend = Pick<BackendFacts, 'name' | 'kind' | 'invokedFunction'>;

/** Starts the spans of a task in `parent` (default: the active context); undefined when no tracer provider is registered. */
export function startTaskTrace(taskName: string, taskId: string, parent: Context | undefined): TaskTrace | undefined {
  const tracer = activeTracer();
  return tracer === undefined ? undefined : new TaskTrace(tracer, taskName, taskId, parent ?? context.active());
}

/** The caller's context, to start tasks in later (`map` pulls inputs after the call returns); undefined when nothing is traced. */
export function traceParent(): Context | undefined {
  return activeTracer() === undefined ? undefined : context.active();
}

function recordFailure(span: Span, error: OffloadError): void {
  span.recordException(error);
  span.setAttribute(ATTR.errorCode, error.code);
  span.setAttribute('error.type', error.code);
  span.setAttribute(ATTR.outcome, error.code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/** The task span and the span of its current attempt. */
export class TaskTrace {
  readonly #tracer: Tracer;
  readonly #span: Span;
  readonly #context: Context;
  #attempt: Span | undefined;
  /** The current attempt's queue time, set on its span when it ends (one attribute write fewer per task). */
  #queuedMs: number | undefined;

  constructor(tracer: Tracer, taskName: string, taskId: string, parent: Context) {
    this.#tracer = tracer;
    this.#span = tracer.startSpan(`spillway.task ${taskName}`, { attributes: { [ATTR.taskName]: taskName, [ATTR.taskId]: taskId } }, parent);
    this.#context = trace.setSpan(parent, this.#span);
  }

  /** Starts the span of attempt `attempt` on `backend`; returns the headers that carry it to where it runs. */
  attemptStarted(attempt: number, backend: TracedBackend): TraceHeaders {
    const attributes: Attributes = { [ATTR.backend]: backend.name, [ATTR.backendKind]: backend.kind, [ATTR.attempt]: attempt };
    const invoked = backend.invokedFunction;
    if (invoked !== undefined) {
      attributes['faas.invoked_name'] = invoked.name;
      attributes['faas.invoked_provider'] = invoked.provider;
      if (invoked.region !== undefined) attributes['faas.invoked_region'] = invoked.region;
    }
    const kind = backend.kind === 'local' ? SpanKind.INTERNAL : SpanKind.CLIENT;
    this.#attempt = this.#tracer.startSpan('spillway.attempt', { kind, attributes }, this.#context);
    this.#queuedMs = undefined;
    return attemptTraceHeaders(this.#context, this.#attempt);
  }

  /** The attempt left the queue after `queuedMs` (recorded on its span when it ends). */
  dispatched(queuedMs: number): void {
    this.#queuedMs = queuedMs;
  }

  /** A remote attempt's breaker state when it was sent, and its estimated cost. */
  remoteAttempt(breakerState: string, estimatedUsd: number): void {
    this.#attempt?.setAttributes({ [ATTR.breakerState]: breakerState, [ATTR.estimatedUsd]: estimatedUsd });
  }

  /** The attempt failed with `error` and the task is tried again on `nextBackend` because of `reason`. */
  attemptRetried(error: OffloadError, runMs: number, reason: string, nextBackend: string): void {
    const span = this.#attempt;
    if (span === undefined) return;
    span.setAttributes({ [ATTR.runMs]: runMs, [ATTR.retryReason]: reason, [ATTR.retryNextBackend]: nextBackend });
    if (this.#queuedMs !== undefined) span.setAttribute(ATTR.queueMs, this.#queuedMs);
    recordFailure(span, error);
    span.end();
    this.#attempt = undefined;
  }

  /** The task settled: `error` is its final error, or undefined on success. Ends the open attempt and the task span. */
  ended(error: OffloadError | undefined, backend: string, attempts: number, runMs: number): void {
    const attempt = this.#attempt;
    if (attempt !== undefined) {
      attempt.setAttributes(
        this.#queuedMs === undefined
          ? { [ATTR.outcome]: error?.code ?? OUTCOME_OK, [ATTR.runMs]: runMs }
          : { [ATTR.outcome]: error?.code ?? OUTCOME_OK, [ATTR.runMs]: runMs, [ATTR.queueMs]: this.#queuedMs },
      );
      if (error !== undefined) recordFailure(attempt, error);
      attempt.end();
      this.#attempt = undefined;
    }
    this.#span.setAttributes({ [ATTR.outcome]: error?.code ?? OUTCOME_OK, [ATTR.backend]: backend, [ATTR.attempts]: attempts });
    if (error !== undefined) recordFailure(this.#span, error);
    this.#span.end();
  }
}
