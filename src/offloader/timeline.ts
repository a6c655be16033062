/**
 * The shape of an offloader's timeline (`offloader.timeline()`): every
 * attempt with where it ran, the local queue over time, spills, breaker
 * changes and retries. Plain JSON, so `JSON.stringify(offloader.timeline())`
 * is the file `spillway report` reads. Times are ms since the offloader was
 * created.
 */
import type { BurstPolicy } from '../scheduler/types.js';

/** Why an attempt was sent besides a task's own course: `hedge`, a backup of a straggler; `prewarm`, a warm-up of `burst.prewarm` (task `spillway:warm-up`). */
export type AttemptReason = 'hedge' | 'prewarm';

/** One attempt of one task. */
export interface TimelineAttempt {
  /** The task's `offloadable` name. */
  taskName: string;
  /** Task id, stable across retries. */
  taskId: string;
  /** Attempt number, from 1. */
  attempt: number;
  /** Backend the attempt ran on: `local`, `lambda`, `gcf` or a custom name. */
  backend: string;
  /** Thread id of the local worker that answered; absent on remotes and when no worker answered. */
  workerId?: number;
  /** When the attempt was created (its envelope built), ms. */
  createdMs: number;
  /** When it left the queue for a local worker, or was sent to a remote (after the remote's own `maxConcurrency` queue), ms; absent when it never did. */
  dispatchedMs?: number;
  /** When its outcome reached the offloader, ms. */
  endMs: number;
  /** Run time where it ran, ms (0 when it did not run). */
  runMs: number;
  /** `ok`, or the error's code (`ERR_TASK`, `ERR_THROTTLED`, ...). */
  outcome: string;
  /** Estimated cost of a remote attempt, USD (absent on the local pool). */
  estimatedUsd?: number;
  /**
   * `hedge`: a backup attempt sent because the task's attempt ran past its
   * `hedge.afterPercentile`; `prewarm`: a warm-up `burst.prewarm` sent on a
   * spike (task `spillway:warm-up`, `estimatedUsd` is what it was billed).
   * Absent for the task's own attempts.
   */
  reason?: AttemptReason;
}

/** The local queue at one moment. */
export interface TimelineSample {
  /** When, ms. */
  atMs: number;
  /** Attempts waiting for a worker. */
  queued: number;
  /** Predicted wait of a new task before a worker starts it, ms. */
  predictedWaitMs: number;
}

/** An `auto` task the scheduler sent to a remote because the local pool was saturated. */
export interface TimelineSpill {
  /** When, ms. */
  atMs: number;
  /** The task's name. */
  taskName: string;
  /** The remote it went to. */
  backend: string;
  /** Which burst threshold the pool was past, in words. */
  reason: string;
}

/** A breaker changed state. */
export interface TimelineBreakerChange {
  /** When, ms. */
  atMs: number;
  /** The backend whose breaker changed. */
  backend: string;
  /** The new state. */
  state: 'open' | 'half-open' | 'closed';
  /** Why, in words. */
  reason: string;
}

/** A failed attempt that is tried again: on the same backend (a retry) or another (a failover). */
export interface TimelineRetry {
  /** When, ms. */
  atMs: number;
  /** The task's name. */
  taskName: string;
  /** Task id. */
  taskId: string;
  /** The attempt that failed. */
  attempt: number;
  /** Where it failed. */
  backend: string;
  /** Where the next attempt goes. */
  nextBackend: string;
  /** The failed attempt's error code. */
  code: string;
  /** Why it is tried again, in words. */
  reason: string;
}

/** What `offloader.timeline()` returns; each list is in time order. */
export interface Timeline {
  /** Format version of this object: 1. */
  version: 1;
  /** Wall-clock time when the offloader was created, ms since the Unix epoch (time 0 of every `...Ms`). */
  startedAtEpochMs: number;
  /** When the timeline was taken, ms. */
  takenAtMs: number;
  /** The offloader's burst thresholds (empty when `auto` tasks never overflow). */
  burst: BurstPolicy;
  /** Attempts, by end time; at most `timeline.maxAttempts` (the oldest are dropped). */
  attempts: TimelineAttempt[];
  /** Attempts dropped from the front to keep the bound. */
  droppedAttempts: number;
  /** The local queue, sampled at most every 20 ms while tasks come and go. */
  queue: TimelineSample[];
  /** Spills to remotes. */
  spills: TimelineSpill[];
  /** Breaker state changes. */
  breakers: TimelineBreakerChange[];
  /** Retries and failovers. */
  retries: TimelineRetry[];
}
