/**
 * One submitted task, from encoding to its single outcome: attempts, retries
 * of the task's own errors, stats, callbacks and events. A local attempt
 * goes straight to the pool's callback API (this object is the pool's
 * {@link AttemptSink}: no promise, no closure); a remote attempt goes through
 * {@link RemoteAttempts} (breaker, backoff, failover).
 */
import type { Context } from '@opentelemetry/api';
import type { Backend, InvokeOptions } from '../backends/backend.js';
import type { AttemptSink, LocalAttempt, LocalBackend } from '../backends/local/index.js';
import { deserialize } from '../contract/codec.js';
import { ENVELOPE_VERSION, type ResultEnvelope, type TaskEnvelope } from '../contract/envelope.js';
import { decodeError } from '../contract/error-codec.js';
import { BackendError, type OffloadError, placeError } from '../errors.js';
import { startTaskTrace, type TaskTrace } from '../observability/task-trace.js';
import type { AnyOffloadable, ResolvedTaskDefinition } from '../task.js';
import { affinityOf } from './affinity-key.js';
import { AttemptState } from './attempt-state.js';
import { callSafely } from './call-safely.js';
import type { DataPlace } from './data-place.js';
import { type LogSettings, logsOf } from './envelope-logs.js';
import type { TaskEventInfo } from './events.js';
import type { HedgedRun, HedgeWatch } from './hedge-watch.js';
import type { Hedger } from './hedger.js';
import type { RemoteAttemptRun, RemoteAttempts } from './remote-attempt.js';
import type { ReportedRun, RunReporter } from './run-reporter.js';
import { TaskInput } from './task-input.js';
import type { TimelineRecorder } from './timeline-recorder.js';
import type { RunOptions, TaskCallback } from './types.js';

/** A task's call options; `map` and `stream` add their `affinityKey` option bound to the input's index as `affinityKeyOf`. */
export type TaskRunOptions = RunOptions<unknown> & { affinityKeyOf?: (input: unknown) => unknown };

/** The collaborators every {@link TaskRun} of an offloader shares. */
export interface RunServices extends LogSettings {
  /** The local pool, for the hot path. */
  local: LocalBackend;
  /** Remote attempts with breakers, backoff and failover. */
  remote: RemoteAttempts;
  /** Stats, events and the pending count. */
  reporter: RunReporter;
  /** The offloader's timeline, unless `timeline.maxAttempts` is 0. */
  timeline: TimelineRecorder | undefined;
  /** Content hash of the task module, sent in every envelope. */
  bundleHash: string;
  /** Aborts when the offloader is destroyed: no retry starts after that. */
  lifetime: AbortSignal;
  /** Backup attempts for stragglers of tasks with a `hedge`. */
  hedger: Hedger;
}

/**
 * One task's state machine. It is also the backend's {@link AttemptSink} and
 * carries the {@link InvokeOptions} of its local attempts.
 */
export class TaskRun implements AttemptSink, InvokeOptions, RemoteAttemptRun, ReportedRun, HedgedRun {
  readonly signal: AbortSignal | undefined;
  readonly task: ResolvedTaskDefinition;
  readonly chunkSize: number | undefined;
  /** The call's `affinityKey`, else the task's `affinity(input)`. */
  affinityKey: string | undefined;
  /** Where the task's data lives (its `dataRegion(input)`), set before {@link start}. */
  data: DataPlace | undefined;
  readonly #services: RunServices;
  #backend: Backend;
  readonly #taskId: string;
  readonly #input: TaskInput;
  readonly #options: TaskRunOptions;
  readonly #finish: TaskCallback;
  readonly #submittedAt = performance.now();
  /** The latest local attempt, while it may still be cancelled before it starts. */
  #localAttempt: LocalAttempt | undefined;
  /** The current attempt's bookkeeping. */
  readonly #at = new AttemptState();
  /** The task's spans, while a tracer provider is registered. */
  #trace: TaskTrace | undefined;
  /** The task's hedge, when it has one (see hedge-watch.ts). */
  readonly #hedge: HedgeWatch | undefined;

  constructor(
    services: RunServices,
    backend: Backend,
    task: AnyOffloadable,
    taskId: string,
    input: unknown,
    options: TaskRunOptions,
    chunkSize: number | undefined,
    finish: TaskCallback,
  ) {
    this.#services = services;
    this.#backend = backend;
    this.task = task.definition;
    this.#taskId = taskId;
    this.#input = new TaskInput(input, options.transfer ?? this.task.transfer ?? false);
    this.#options = options;
    this.#hedge = options.hedge === undefined && this.task.hedge === undefined ? undefined : services.hedger.watch(this, options.hedge, options.signal);
    this.signal = this.#hedge?.signal ?? options.signal;
    this.chunkSize = chunkSize;
    this.affinityKey = options.affinityKey;
    this.#finish = finish;
  }

  get backend(): Backend {
    return this.#backend;
  }

  get timeoutMs(): number | undefined {
    return this.#options.timeoutMs ?? this.task.timeoutMs;
  }

  get pinned(): boolean {
    return (this.#options.placement ?? this.task.placement ?? 'auto') !== 'auto';
  }

  get backendName(): string {
    return this.#backend.name;
  }

  info(): TaskEventInfo {
    return {
      taskName: this.task.name,
      taskId: this.#taskId,
      backend: this.#backend.name,
      attempts: Math.max(1, this.#at.number),
      queuedMs: this.#at.queuedMs,
      runMs: this.#at.runMs,
    };
  }

  /** Encodes the input and sends the first attempt; the task's span starts in `parent` (default: the active context). */
  start(parent?: Context): void {
    this.#trace = startTaskTrace(this.task.name, this.#taskId, parent, this.#submittedAt);
    this.#services.timeline?.sample(this.#submittedAt);
    try {
      const { affinityKeyOf } = this.#options;
      const input = this.#input.value;
      if (this.affinityKey === undefined && affinityKeyOf !== undefined) this.affinityKey = affinityOf(this.task, input, affinityKeyOf, 'affinityKey');
      if (this.affinityKey === undefined && this.task.affinity !== undefined) this.affinityKey = affinityOf(this.task, input, this.task.affinity, 'affinity');
      // Checks the input (a SerializationError fails the task before anything is sent) in the form its first backend takes.
      if (this.#input.partsFor(this.#backend, this.#services.local) === undefined) this.#input.wire(this.data);
    } catch (error) {
      queueMicrotask(() => this.#fail(error as OffloadError));
      return;
    }
    this.#attempt();
  }

  nextEnvelope(): TaskEnvelope {
    const envelope = this.#newEnvelope();
    if (this.#trace !== undefined) envelope.headers = this.#trace.attemptStarted(this.#at.number, this.#backend);
    return envelope;
  }

  /** The next attempt's envelope, without trace headers. */
  #newEnvelope(): TaskEnvelope {
    this.#at.begin();
    const envelope = this.#envelope(this.#backend);
    this.#at.startedAt = performance.now();
    return envelope;
  }

  /** The envelope of a backup attempt (a hedge) on `backend`, numbered after the attempts so far; the current attempt stays open. */
  backupEnvelope(backend: Backend): TaskEnvelope {
    this.#at.number++;
    const envelope = this.#envelope(backend);
    if (this.#trace !== undefined) envelope.headers = this.#trace.backupStarted(this.#at.number, backend);
    return envelope;
  }

  backupEnded(backend: Backend, runMs: number, error: OffloadError | undefined): void {
    this.#trace?.backupEnded(runMs, error);
    this.#services.reporter.backupSettled(this, backend.name, error?.code ?? 'ok', runMs);
  }

  /** The envelope of attempt `#attempts` on `backend`; throws a `SerializationError` when an earlier attempt moved the input's buffers. */
  #envelope(backend: Backend): TaskEnvelope {
    const moved = this.#input.movedError(this.task.name, this.#at.number, backend.name);
    if (moved !== undefined) throw moved;
    const timeoutMs = this.timeoutMs;
    const parts = this.#input.partsFor(backend, this.#services.local);
    const envelope: TaskEnvelope = {
      version: ENVELOPE_VERSION,
      id: this.#taskId,
      task: this.task.name,
      bundleHash: this.#services.bundleHash,
      attempt: this.#at.number,
      input: parts === undefined ? this.#input.wire(this.data) : parts.text,
    };
    if (parts?.binary !== undefined) envelope.binary = parts.binary;
    if (timeoutMs !== undefined) envelope.timeoutMs = timeoutMs;
    const logs = logsOf(this.task, this.#services);
    if (logs !== undefined) envelope.logs = logs;
    return envelope;
  }

  #attempt(): void {
    const { local, remote } = this.#services;
    const moved = this.#input.movedError(this.task.name, this.#at.number + 1, this.#backend.name);
    if (moved !== undefined) {
      this.#fail(moved);
      return;
    }
    if (this.#backend === local) {
      // The hot path: callbacks, no promise. A traced attempt's spans start when it is dispatched.
      const envelope = this.#newEnvelope();
      this.#trace?.attemptQueued(this.#at.number, local, this.#at.startedAt, envelope);
      this.#localAttempt = local.submit(envelope, this, this);
      return;
    }
    remote.run(this).then(
      (result) => this.settled(undefined, result),
      (error: OffloadError) => this.settled(error, undefined),
    );
  }

  /**
   * Fails the task with `error` if its current attempt has not started: it
   * waits in the local queue, or in a worker that has not reached it. True
   * if so. A running attempt, or one on a remote, is left alone (false).
   */
  cancelUnstarted(error: OffloadError): boolean {
    const attempt = this.#localAttempt;
    if (attempt === undefined || this.#backend !== this.#services.local) return false;
    return this.#services.local.cancelUnstarted(attempt, error);
  }

  remoteAttempt(breakerState: string, estimatedUsd: number): void {
    this.#trace?.remoteAttempt(breakerState, estimatedUsd);
    this.#at.estimatedUsd = estimatedUsd;
  }

  remoteSent(now: number): void {
    this.#at.dispatchedAt = now;
  }

  answeredBy(workerId: number | undefined): void {
    this.#at.workerId = workerId;
  }

  failingOver(error: OffloadError, next: Backend): void {
    const failed = this.#backend;
    this.#retrying(error, () => `${failed.name} failed with ${error.name} ${error.code}: ${error.message}`, next.name);
    this.#backend = next;
  }

  dispatched(now = this.#at.startedAt, carryContext = true): void {
    this.#at.queuedMs = now - this.#at.startedAt;
    this.#at.dispatchedAt = now;
    this.#trace?.dispatched(this.#at.queuedMs, carryContext);
    this.#services.reporter.dispatched(this);
    this.#hedge?.arm(this.#backend, now);
  }

  settled(failure: OffloadError | undefined, result: ResultEnvelope | undefined, workerId?: number): void {
    // The hedge's backup answered first: this attempt lost and was cancelled.
    if (this.#hedge?.ignoresPrimary === true) return;
    this.#answered(failure, result, workerId);
  }

  hedgeWon(backend: Backend, result: ResultEnvelope): void {
    this.#attemptEnded('ERR_ABORTED');
    this.#trace?.attemptLost(this.#at.runMs);
    this.#backend = backend;
    this.#at.workerId = undefined;
    this.#answered(undefined, result, undefined);
  }

  releaseFailure(error: OffloadError): void {
    this.#fail(error);
  }

  #answered(failure: OffloadError | undefined, result: ResultEnvelope | undefined, workerId: number | undefined): void {
    if (workerId !== undefined) this.#at.workerId = workerId;
    if (failure !== undefined || result === undefined) {
      this.#fail(failure ?? new BackendError(`Backend "${this.#backend.name}" answered without a result`));
      return;
    }
    this.#at.runMs = result.durationMs;
    const { logs } = result;
    if (logs !== undefined) this.#services.reporter.logged(this, this.#at.number, logs);
    if (!result.ok) {
      const error = decodeError(result.kind, result.error, this.info());
      if (logs !== undefined) error.logs = logs;
      this.#taskFailed(error, result.kind === 'task');
      return;
    }
    let output: unknown;
    try {
      output = deserialize(result.output, 'output', result.binary?.views);
    } catch (error) {
      this.#fail(
        new BackendError(`The result of task "${this.task.name}" could not be decoded: ${(error as Error).message}`, { cause: error, retryable: false }),
      );
      return;
    }
    const latencyMs = performance.now() - this.#submittedAt;
    this.#hedge?.succeeded(this.#backend);
    this.#attemptEnded('ok');
    const { onSuccess } = this.#options;
    if (onSuccess !== undefined) callSafely(() => onSuccess(output, this.info()));
    this.#trace?.ended(undefined, this.#backend.name, this.#at.number, this.#at.runMs);
    this.#services.reporter.succeeded(this, latencyMs, this.#at.runMs);
    this.#finish(undefined, output, this);
  }

  /** The attempt answered with an error: a task's own error is retried as its definition allows, anything else fails the task. */
  #taskFailed(error: OffloadError, thrownByTask: boolean): void {
    if (thrownByTask && this.#at.number <= this.task.retries && !this.#services.lifetime.aborted) {
      const attempts = this.#at.number;
      this.#retrying(error, () => `the task threw (${error.name}: ${error.message}); attempt ${attempts} of ${this.task.retries + 1}`, this.#backend.name);
      this.#attempt();
      return;
    }
    this.#fail(error);
  }

  #fail(thrown: OffloadError): void {
    if (this.#hedge?.holds(thrown) === true) {
      // Its backup still runs: its success would still win.
      this.#attemptEnded(thrown.code);
      return;
    }
    const error = placeError(thrown, this.info());
    this.#attemptEnded(error.code);
    const latencyMs = performance.now() - this.#submittedAt;
    const { onError } = this.#options;
    if (onError !== undefined) callSafely(() => onError(error, this.info()));
    this.#trace?.ended(error, this.#backend.name, Math.max(1, this.#at.number), this.#at.runMs);
    this.#services.reporter.failed(this, error, latencyMs, this.#at.runMs === 0 ? undefined : this.#at.runMs);
    this.#finish(error, undefined, this);
  }

  /** Records the current attempt's end on the timeline (once per attempt) with `outcome`: `ok` or an error code. */
  #attemptEnded(outcome: string): void {
    this.#at.ended(this.#services.timeline, this.task.name, this.#taskId, this.#backend.name, outcome);
  }

  /** The current attempt failed with `error` and the task is tried again on `nextBackend` because of `reason`: its span ends, the `retry` event and metrics, and the timeline's rows. */
  #retrying(error: OffloadError, reason: () => string, nextBackend: string): void {
    this.#trace?.attemptRetried(error, this.#at.runMs, reason(), nextBackend);
    this.#services.reporter.retried(this, error, reason, nextBackend);
    this.#at.retried(this.#services.timeline, this.task.name, this.#taskId, this.#backend.name, error, reason, nextBackend);
  }
}
