/**
 * The bookkeeping of a task run's current attempt: its number (every
 * attempt counts, hedge backups included), when its envelope was built, how
 * long it queued and ran, when it was dispatched, which local worker
 * answered, its estimated cost, and whether its timeline row is still to be
 * written (once per attempt).
 */
import type { OffloadError } from '../errors.js';
import type { TimelineRecorder } from './timeline-recorder.js';

/** The current attempt of one task run. */
export class AttemptState {
  /** Attempts so far, the current one included. */
  number = 0;
  /** When the current attempt's envelope was built (`performance.now()`). */
  startedAt = 0;
  queuedMs = 0;
  runMs = 0;
  /** The current attempt's envelope is built and its end not recorded on the timeline yet. */
  open = false;
  dispatchedAt: number | undefined;
  workerId: number | undefined;
  estimatedUsd: number | undefined;

  /** A new attempt begins: its envelope is built next. */
  begin(): void {
    this.number++;
    this.runMs = 0;
    this.open = true;
    this.dispatchedAt = undefined;
    this.workerId = undefined;
    this.estimatedUsd = undefined;
  }

  /** Records the attempt's end on `timeline` (once per attempt) with `outcome`: `ok` or an error code. */
  ended(timeline: TimelineRecorder | undefined, taskName: string, taskId: string, backend: string, outcome: string): void {
    if (!this.open || timeline === undefined) return;
    this.open = false;
    timeline.attempt({
      taskName,
      taskId,
      attempt: this.number,
      backend,
      workerId: this.workerId,
      createdAt: this.startedAt,
      dispatchedAt: this.dispatchedAt,
      runMs: this.runMs,
      outcome,
      estimatedUsd: this.estimatedUsd,
    });
  }

  /** Records the end of the failed attempt and the retry on `nextBackend` on `timeline`. */
  retried(
    timeline: TimelineRecorder | undefined,
    taskName: string,
    taskId: string,
    backend: string,
    error: OffloadError,
    reason: () => string,
    nextBackend: string,
  ): void {
    if (timeline === undefined) return;
    this.ended(timeline, taskName, taskId, backend, error.code);
    timeline.retry({ taskName, taskId, attempt: this.number, backend, nextBackend, code: error.code, reason: reason() });
  }
}
