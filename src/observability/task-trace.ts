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
 * collections and multiply their cost. When the pool's workers cannot restore
 * a trace context (no context manager registered there, so nothing in the
 * worker could join the trace), the attempt carries no headers and both spans
 * are made when it ends, back-dated the same way, with all their attributes
 * at once: spans that live only for a moment cost the SDK about half as much.
 *
 * A hedge backup has its own `spillway.attempt` span beside the current
 * attempt's (`spillway.attempt.reason: hedge`), started when it is sent;
 * when the backup answers first, the attempt it beat ends with outcome
 * `ERR_ABORTED` (cancelled, not failed).
 *
 * Times go to the SDK as `HrTime` (converted once here), so it does not
 * convert each one again.
 */
import { type Attributes, type Context, context, type Span, SpanKind, type Tracer, trace } from '@opentelemetry/api';
import type { TaskEnvelope } from '../contract/envelope.js';
import type { OffloadError } from '../errors.js';
import { backendAttributes, hrTimeOf, recordFailure, type TracedBackend, wallOffsetMs } from './span-parts.js';
import { attemptTraceHeaders, type TraceHeaders } from './trace-context.js';
import { ATTR, activeTracer, OUTCOME_OK } from './tracer.js';

/** Starts the trace of a task submitted at `submittedAt` (`performance.now()`) in `parent` (default: the active context); undefined when no tracer provider is registered. */
export function startTaskTrace(taskName: string, taskId: string, parent: Context | undefined, submittedAt: number): TaskTrace | undefined {
  const tracer = activeTracer();
  return tracer === undefined ? undefined : new TaskTrace(tracer, taskName, taskId, parent ?? context.active(), submittedAt);
}

/** The caller's context, to start tasks in later (`map` pulls inputs after the call returns); undefined when nothing is traced. */
export function traceParent(): Context | undefined {
  return activeTracer() === undefined ? undefined : context.active();
}

/** An attempt whose span is not started yet: it waits in the local queue, or ran where no trace context is restored. */
interface QueuedAttempt {
  attempt: number;
  backend: TracedBackend;
  /** `performance.now()` when it was queued: its span's start time. */
  queuedAt: number;
  /** Its envelope, which gets the span's `headers` if it is dispatched to a worker that restores trace context. */
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
  /** The queue time of the current attempt if its span started before it was known (a remote attempt): set when it ends. */
  #queuedMs: number | undefined;
  /** The span of the hedge backup, while it runs. */
  #backup: Span | undefined;

  constructor(tracer: Tracer, taskName: string, taskId: string, parent: Context, submittedAt: number) {
    this.#tracer = tracer;
    this.#taskName = taskName;
    this.#taskId = taskId;
    this.#parent = parent;
    this.#submittedAt = submittedAt;
  }

  /** The task span, started (at the submission time) if it is not yet, with `ending` (the attributes of its end) when it starts as it ends. */
  #task(offsetMs: number, ending?: Attributes): Span {
    if (this.#span !== undefined) return this.#span;
    const attributes: Attributes = { [ATTR.taskName]: this.#taskName, [ATTR.taskId]: this.#taskId, ...ending };
    const span = this.#tracer.startSpan(`spillway.task ${this.#taskName}`, { attributes, startTime: hrTimeOf(this.#submittedAt, offsetMs) }, this.#parent);
    this.#span = span;
    this.#context = trace.setSpan(this.#parent, span);
    return span;
  }

  /** A `spillway.attempt` span of attempt `attempt` on `backend` under the task span (started if it is not), from `startTime` (default: now), with `attributes` besides the attempt's own. */
  #attemptSpan(attempt: number, backend: TracedBackend, offsetMs: number, startTime?: number, attributes?: Attributes, taskEnding?: Attributes): Span {
    this.#task(offsetMs, taskEnding);
    const kind = backend.kind === 'local' ? SpanKind.INTERNAL : SpanKind.CLIENT;
    const options = {
      kind,
      attributes: backendAttributes(backend, { [ATTR.attempt]: attempt, ...attributes }),
      startTime: startTime === undefined ? undefined : hrTimeOf(startTime, offsetMs),
    };
    return this.#tracer.startSpan('spillway.attempt', options, this.#context);
  }

  /** Starts the span of the current attempt, `attempt` on `backend`, queued at `queuedAt`, with `attributes` besides the attempt's own. */
  #startAttempt(attempt: number, backend: TracedBackend, queuedAt: number, offsetMs: number, attributes?: Attributes, taskEnding?: Attributes): Span {
    this.#attempt = this.#attemptSpan(attempt, backend, offsetMs, queuedAt, attributes, taskEnding);
    return this.#attempt;
  }

  /** Starts the span of the queued attempt, if one waits, with `attributes`; the envelope gets the headers when `withHeaders`. */
  #open(offsetMs: number, withHeaders: boolean, attributes?: Attributes, taskEnding?: Attributes): void {
    const queued = this.#queued;
    if (queued === undefined) return;
    this.#queued = undefined;
    const span = this.#startAttempt(queued.attempt, queued.backend, queued.queuedAt, offsetMs, attributes, taskEnding);
    if (withHeaders) queued.envelope.headers = attemptTraceHeaders(this.#context as Context, span);
  }

  /** Starts the span of attempt `attempt` on `backend` now; returns the headers that carry it to where it runs. */
  attemptStarted(attempt: number, backend: TracedBackend): TraceHeaders {
    this.#queued = undefined;
    this.#queuedMs = undefined;
    const span = this.#startAttempt(attempt, backend, performance.now(), wallOffsetMs());
    return attemptTraceHeaders(this.#context as Context, span);
  }

  /** Attempt `attempt` waits in the local queue since `queuedAt`; its span starts on {@link dispatched} (or when it ends). */
  attemptQueued(attempt: number, backend: TracedBackend, queuedAt: number, envelope: TaskEnvelope): void {
    this.#queued = { attempt, backend, queuedAt, envelope };
    this.#queuedMs = undefined;
  }

  /**
   * The attempt left the queue after `queuedMs`. With `carryContext` (its
   * worker may restore a trace context) its span starts now and its envelope
   * gets the headers; otherwise the span is made when the attempt ends.
   */
  dispatched(queuedMs: number, carryContext: boolean): void {
    if (this.#queued === undefined) {
      this.#queuedMs = queuedMs;
      return;
    }
    if (carryContext) this.#open(wallOffsetMs(), true, { [ATTR.queueMs]: queuedMs });
    else this.#queuedMs = queuedMs;
  }

  /** A remote attempt's breaker state when it was sent, and its estimated cost. */
  remoteAttempt(breakerState: string, estimatedUsd: number): void {
    this.#attempt?.setAttributes({ [ATTR.breakerState]: breakerState, [ATTR.estimatedUsd]: estimatedUsd });
  }

  /** The current attempt's span with `ending` set: started with them if it has not started, else given them now. */
  #ending(offsetMs: number, ending: Attributes, taskEnding?: Attributes): Span | undefined {
    if (this.#queued !== undefined) {
      this.#open(offsetMs, false, ending, taskEnding);
      return this.#attempt;
    }
    this.#attempt?.setAttributes(ending);
    return this.#attempt;
  }

  /** Ends the current attempt's span now with `ending` (and its queue time, if known), failed with `error` if given; the task goes on. */
  #endAttempt(ending: Attributes, error?: OffloadError): void {
    const offsetMs = wallOffsetMs();
    if (this.#queuedMs !== undefined) ending[ATTR.queueMs] = this.#queuedMs;
    const span = this.#ending(offsetMs, ending);
    if (span !== undefined && error !== undefined) recordFailure(span, error);
    span?.end(hrTimeOf(performance.now(), offsetMs));
    this.#attempt = undefined;
    this.#queuedMs = undefined;
  }

  /** The attempt failed with `error` and the task is tried again on `nextBackend` because of `reason`. */
  attemptRetried(error: OffloadError, runMs: number, reason: string, nextBackend: string): void {
    this.#endAttempt({ [ATTR.runMs]: runMs, [ATTR.retryReason]: reason, [ATTR.retryNextBackend]: nextBackend }, error);
  }

  /** A hedge backup, attempt `attempt` on `backend`, is sent now: starts its span beside the current attempt's; returns the headers that carry it. */
  backupStarted(attempt: number, backend: TracedBackend): TraceHeaders {
    this.#backup = this.#attemptSpan(attempt, backend, wallOffsetMs(), undefined, { [ATTR.attemptReason]: 'hedge' });
    return attemptTraceHeaders(this.#context as Context, this.#backup);
  }

  /** The hedge backup settled after running `runMs`, failed with `error` or succeeded (undefined). */
  backupEnded(runMs: number, error: OffloadError | undefined): void {
    const span = this.#backup;
    if (span === undefined) return;
    this.#backup = undefined;
    span.setAttributes({ [ATTR.outcome]: error?.code ?? OUTCOME_OK, [ATTR.runMs]: runMs });
    if (error !== undefined) recordFailure(span, error);
    span.end();
  }

  /** The hedge backup answered first: the current attempt was cancelled, and its span ends with outcome `ERR_ABORTED` (no error status). */
  attemptLost(runMs: number): void {
    this.#endAttempt({ [ATTR.outcome]: 'ERR_ABORTED', [ATTR.runMs]: runMs });
  }

  /** The task settled: `error` is its final error, or undefined on success. Ends the open attempt and the task span. */
  ended(error: OffloadError | undefined, backend: string, attempts: number, runMs: number): void {
    const offsetMs = wallOffsetMs();
    const endedAt = performance.now();
    const outcome = error?.code ?? OUTCOME_OK;
    const taskEnding: Attributes = { [ATTR.outcome]: outcome, [ATTR.backend]: backend, [ATTR.attempts]: attempts };
    const ending: Attributes = { [ATTR.outcome]: outcome, [ATTR.runMs]: runMs };
    if (this.#queuedMs !== undefined) ending[ATTR.queueMs] = this.#queuedMs;
    const startsNow = this.#span === undefined;
    const attempt = this.#ending(offsetMs, ending, taskEnding);
    if (attempt !== undefined) {
      if (error !== undefined) recordFailure(attempt, error);
      attempt.end(hrTimeOf(endedAt, offsetMs));
      this.#attempt = undefined;
    }
    const span = this.#task(offsetMs, taskEnding);
    if (!startsNow) span.setAttributes(taskEnding);
    if (error !== undefined) recordFailure(span, error);
    span.end(hrTimeOf(endedAt, offsetMs));
  }
}
