/**
 * The spans of one task: `spillway.task <name>` in the caller's context and
 * one `spillway.attempt` child per attempt, whose context travels to where
 * the attempt runs (see `trace-context.ts`). Made only while a tracer
 * provider is registered ({@link startTaskTrace}).
 *
 * A local attempt's spans are started when it leaves the queue for a worker
 * (the first moment its `traceparent` is needed), with their start times set
 * back to when the task was submitted and the attempt was queued. A task
 * waiting in the queue then holds no SDK span: spans that live through the
 * whole wait of thousands of queued tasks survive young-generation garbage
 * collections and multiply their cost.
 */
import { type Attributes, type Context, context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { BackendFacts } from '../backends/backend.js';
import type { TaskEnvelope } from '../contract/envelope.js';
import type { OffloadError } from '../errors.js';
import { attemptTraceHeaders, type TraceHeaders } from './trace-context.js';
import { ATTR, activeTracer, OUTCOME_OK } from './tracer.js';

/** A backend as the trace sees it. */
type TracedBackend = Pick<BackendFacts, 'name' | 'kind' | 'invokedFunction'>;

/** Starts the trace of a task submitted at `submittedAt` (`performance.now()`) in `parent` (default: the active context); undefined when no tracer provider is registered. */
export function startTaskTrace(taskName: string, taskId: string, parent: Context | undefined, submittedAt: number): TaskTrace | undefined {
  const tracer = activeTracer();
  return tracer === undefined ? undefined : new TaskTrace(tracer, taskName, taskId, parent ?? context.active(), submittedAt);
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

function attemptAttributes(attempt: number, backend: TracedBackend): Attributes {
  const attributes: Attributes = { [ATTR.backend]: backend.name, [ATTR.backendKind]: backend.kind, [ATTR.attempt]: attempt };
  const invoked = backend.invokedFunction;
  if (invoked !== undefined) {
    attributes['faas.invoked_name'] = invoked.name;
    attributes['faas.invoked_provider'] = invoked.provider;
    if (invoked.region !== undefined) attributes['faas.invoked_region'] = invoked.region;
  }
  return attributes;
}

/** An attempt whose span is not started yet: it waits in the local queue. */
interface QueuedAttempt {
  attempt: number;
  backend: TracedBackend;
  /** `performance.now()` when it was queued: its span's start time. */
  queuedAt: number;
  /** Its envelope, which gets the span's `headers` when it is dispatched. */
  envelope: TaskEnvelope;
}

/** The task span and the span of its current attempt, each started when first needed. */
export class TaskTrace {
  readonly #tracer: Tracer;
  readonly #taskName: string;
  readonly #taskId: string;
  readonly #parent: Context;
  readonly #submittedAt: number;
  #span: Span | undefined;
  /** The context of the task span, which its attempts start in. */
  #context: Context | undefined;
  #attempt: Span | undefined;
  #queued: QueuedAttempt | undefined;
  /** The current attempt's queue time, set on its span when it ends (one attribute write fewer per task). */
  #queuedMs: number | undefined;

  constructor(tracer: Tracer, taskName: string, taskId: string, parent: Context, submittedAt: number) {
    this.#tracer = tracer;
    this.#taskName = taskName;
    this.#taskId = taskId;
    this.#parent = parent;
    this.#submittedAt = submittedAt;
  }

  /** The task span, started (at the submission time) if it is not yet. */
  #task(): Span {
    if (this.#span !== undefined) return this.#span;
    const span = this.#tracer.startSpan(
      `spillway.task ${this.#taskName}`,
      { attributes: { [ATTR.taskName]: this.#taskName, [ATTR.taskId]: this.#taskId }, startTime: this.#submittedAt },
      this.#parent,
    );
    this.#span = span;
    this.#context = trace.setSpan(this.#parent, span);
    return span;
  }

  #startAttempt(attempt: number, backend: TracedBackend, queuedAt: number): TraceHeaders {
    this.#task();
    const taskContext = this.#context as Context;
    const kind = backend.kind === 'local' ? SpanKind.INTERNAL : SpanKind.CLIENT;
    const span = this.#tracer.startSpan('spillway.attempt', { kind, attributes: attemptAttributes(attempt, backend), startTime: queuedAt }, taskContext);
    this.#attempt = span;
    return attemptTraceHeaders(taskContext, span);
  }

  /** Starts the span of the queued attempt, if one waits: its envelope gets the headers. */
  #open(): void {
    const queued = this.#queued;
    if (queued === undefined) return;
    this.#queued = undefined;
    queued.envelope.headers = this.#startAttempt(queued.attempt, queued.backend, queued.queuedAt);
  }

  /** Starts the span of attempt `attempt` on `backend` now; returns the headers that carry it to where it runs. */
  attemptStarted(attempt: number, backend: TracedBackend): TraceHeaders {
    this.#queued = undefined;
    this.#queuedMs = undefined;
    return this.#startAttempt(attempt, backend, performance.now());
  }

  /** Attempt `attempt` waits in the local queue since `queuedAt`; its span starts, and `envelope` gets its headers, on {@link dispatched}. */
  attemptQueued(attempt: number, backend: TracedBackend, queuedAt: number, envelope: TaskEnvelope): void {
    this.#queued = { attempt, backend, queuedAt, envelope };
    this.#queuedMs = undefined;
  }

  /** The attempt left the queue after `queuedMs` (recorded on its span when it ends). */
  dispatched(queuedMs: number): void {
    this.#open();
    this.#queuedMs = queuedMs;
  }

  /** A remote attempt's breaker state when it was sent, and its estimated cost. */
  remoteAttempt(breakerState: string, estimatedUsd: number): void {
    this.#attempt?.setAttributes({ [ATTR.breakerState]: breakerState, [ATTR.estimatedUsd]: estimatedUsd });
  }

  /** The attempt failed with `error` and the task is tried again on `nextBackend` because of `reason`. */
  attemptRetried(error: OffloadError, runMs: number, reason: string, nextBackend: string): void {
    this.#open();
    const span = this.#attempt;
    if (span === undefined) return;
    span.setAttributes({ [ATTR.runMs]: runMs, [ATTR.retryReason]: reason, [ATTR.retryNextBackend]: nextBackend });
    if (this.#queuedMs !== undefined) span.setAttribute(ATTR.queueMs, this.#queuedMs);
    recordFailure(span, error);
    // An explicit end time: with a start time given, the SDK would take Date.now() (whole milliseconds).
    span.end(performance.now());
    this.#attempt = undefined;
  }

  /** The task settled: `error` is its final error, or undefined on success. Ends the open attempt and the task span. */
  ended(error: OffloadError | undefined, backend: string, attempts: number, runMs: number): void {
    this.#open();
    const endedAt = performance.now();
    const attempt = this.#attempt;
    if (attempt !== undefined) {
      attempt.setAttributes(
        this.#queuedMs === undefined
          ? { [ATTR.outcome]: error?.code ?? OUTCOME_OK, [ATTR.runMs]: runMs }
          : { [ATTR.outcome]: error?.code ?? OUTCOME_OK, [ATTR.runMs]: runMs, [ATTR.queueMs]: this.#queuedMs },
      );
      if (error !== undefined) recordFailure(attempt, error);
      attempt.end(endedAt);
      this.#attempt = undefined;
    }
    const span = this.#task();
    span.setAttributes({ [ATTR.outcome]: error?.code ?? OUTCOME_OK, [ATTR.backend]: backend, [ATTR.attempts]: attempts });
    if (error !== undefined) recordFailure(span, error);
    span.end(endedAt);
  }
}
