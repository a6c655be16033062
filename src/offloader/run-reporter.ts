/**
 * Reports what happens to tasks: per-backend stats, the typed events (built
 * only when someone listens), and the count of pending tasks that `drain`
 * and `close()` wait on.
 */
import type { EventEmitter } from 'node:events';
import type { TaskLogs } from '../contract/task-log.js';
import type { OffloadError } from '../errors.js';
import type { OffloaderMetrics } from '../observability/offloader-metrics.js';
import { callSafely } from './call-safely.js';
import type { OffloaderEvents, TaskEventInfo } from './events.js';
import type { StatsRecorder } from './stats.js';

/** A task as the reporter sees it. */
export interface ReportedRun {
  /** Name of the backend of the latest attempt. */
  readonly backendName: string;
  /** The task's definition (its name). */
  readonly task: { readonly name: string };
  /** The task's event info now. */
  info(): TaskEventInfo;
}

/** Stats, events and the pending count of one offloader. */
export class RunReporter {
  readonly #emitter: EventEmitter;
  readonly #stats: StatsRecorder;
  readonly #metrics: OffloaderMetrics | undefined;
  #pending = 0;
  #settled = 0;
  #idleWaiters: (() => void)[] = [];

  /** `metrics` (when a meter provider is registered) hears the same outcomes as the stats. */
  constructor(emitter: EventEmitter, stats: StatsRecorder, metrics: OffloaderMetrics | undefined) {
    this.#emitter = emitter;
    this.#stats = stats;
    this.#metrics = metrics;
  }

  /** Tasks submitted and not settled. */
  get pending(): number {
    return this.#pending;
  }

  /** True when `event` has listeners. */
  listening(event: keyof OffloaderEvents): boolean {
    return this.#emitter.listenerCount(event) > 0;
  }

  /**
   * Emits `event` to its listeners, if it has any (an `error` event nobody
   * listens to is not thrown); a listener's exception is rethrown outside
   * spillway's bookkeeping. Ask {@link listening} first where the payload
   * costs something to build.
   */
  emit<E extends keyof OffloaderEvents>(event: E, payload: OffloaderEvents[E]): void {
    if (!this.listening(event)) return;
    callSafely(() => this.#emitter.emit(event, payload));
  }

  /** A task was accepted. */
  submitted(): void {
    this.#pending++;
  }

  /** An attempt left the queue for its backend. */
  dispatched(run: ReportedRun): void {
    this.#stats.dispatched(run.backendName);
    this.#metrics?.dispatched(run.backendName, run.task.name, run.info().queuedMs);
    if (this.listening('dispatch')) this.emit('dispatch', run.info());
  }

  /** An attempt failed and the task is tried again on `nextBackend`; `reason` is built only for listeners. */
  retried(run: ReportedRun, error: OffloadError, reason: () => string, nextBackend: string): void {
    this.#stats.retried(run.backendName);
    this.#metrics?.retried(run.backendName, run.task.name, error.code);
    if (this.listening('retry')) this.emit('retry', { ...run.info(), error, reason: reason(), nextBackend });
  }

  /** A hedge backup of `run` on `backend` settled with `code` (`ok` or an error code) after running `runMs`. */
  backupSettled(run: ReportedRun, backend: string, code: string, runMs: number): void {
    this.#metrics?.backupSettled(backend, run.task.name, code, runMs);
  }

  /** A warm-up of `burst.prewarm` on `backend` settled with `code` (`ok` or an error code). */
  warmUpSettled(backend: string, code: string): void {
    this.#metrics?.warmUpSettled(backend, code);
  }

  /** Attempt `attempt` printed `logs` (a `log` event, built only for listeners). */
  logged(run: ReportedRun, attempt: number, logs: TaskLogs): void {
    if (!this.listening('log')) return;
    const { taskName, taskId, backend } = run.info();
    this.emit('log', { taskName, taskId, backend, attempt, lines: logs.lines, truncated: logs.truncated });
  }

  /** The task succeeded: `latencyMs` from submission, `runMs` where it ran. */
  succeeded(run: ReportedRun, latencyMs: number, runMs: number): void {
    this.#stats.settled(run.backendName, true, latencyMs, runMs);
    this.#metrics?.settled(run.backendName, run.task.name, undefined, latencyMs, runMs);
    if (this.listening('success')) this.emit('success', run.info());
    this.#settle();
  }

  /** The task failed for good with `error`. */
  failed(run: ReportedRun, error: OffloadError, latencyMs: number, runMs: number | undefined): void {
    this.#stats.settled(run.backendName, false, latencyMs, runMs);
    this.#metrics?.settled(run.backendName, run.task.name, error.code, latencyMs, runMs);
    if (this.listening('failure')) this.emit('failure', { ...run.info(), error });
    this.#settle();
  }

  /** Resolves once no task is pending. */
  idle(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  #settle(): void {
    this.#settled++;
    if (--this.#pending === 0) {
      if (this.listening('drain')) this.emit('drain', { settled: this.#settled });
      for (const waiter of this.#idleWaiters.splice(0)) waiter();
    }
  }
}
