/**
 * The offloader's typed events. Every task event says which task, which
 * attempt, where it ran and how long it queued and ran, whatever the backend.
 */
import type { AffinityMissInfo, StallInfo } from '../backends/local/index.js';
import type { TaskLogLine } from '../contract/task-log.js';
import type { OffloadError } from '../errors.js';

/** What every task event and callback reports about one task. */
export interface TaskEventInfo {
  /** The task's `offloadable` name. */
  taskName: string;
  /** Task id, stable across retries. */
  taskId: string;
  /** Backend of the (latest) attempt: `local`, `lambda`, `gcf` or a custom name. */
  backend: string;
  /** Attempts so far, the current one included. */
  attempts: number;
  /** Time the latest attempt waited before it was dispatched, in ms. */
  queuedMs: number;
  /** Run time of the latest attempt where it ran, in ms (0 before it ran). */
  runMs: number;
}

/**
 * Payload of `log`: what one attempt printed (see the offloader's `logs`
 * option), from whichever backend ran it. Emitted once per attempt that
 * printed, before that attempt's `retry`, `success` or `failure`.
 */
export interface TaskLogInfo {
  /** The task's `offloadable` name. */
  taskName: string;
  /** Task id, stable across retries. */
  taskId: string;
  /** Backend that ran the attempt. */
  backend: string;
  /** The attempt that printed the lines, 1 for the first. */
  attempt: number;
  /** The lines, oldest first, each with its stream and the time it was written (`Date.now()` where the task ran). */
  lines: TaskLogLine[];
  /** True when older lines were dropped to stay within `logs.maxBytes`. */
  truncated: boolean;
}

/** Payload of `hedge`: an attempt ran past the task's `hedge.afterPercentile`, and a backup attempt was sent. */
export interface TaskHedgeInfo extends TaskEventInfo {
  /** Always `hedge`: the backup's reason, as its timeline attempt records it. */
  reason: 'hedge';
  /** The backup's attempt number. */
  attempt: number;
  /** Backend of the backup attempt (`backend` is the straggler's). */
  hedgeBackend: string;
  /** The percentile of the task's durations on `backend` that the straggler passed, ms. */
  afterMs: number;
}

/** Payload of `prewarm`: `burst.prewarm` sent warm-ups to a remote because the local queue spiked. */
export interface PrewarmInfo {
  /** The remote warmed. */
  backend: string;
  /** Warm-ups sent now (each starts an environment unless an idle one takes it). */
  warmUps: number;
  /** Tasks waiting in the local queue at the spike. */
  queued: number;
  /** The remote's environments busy before these warm-ups (the latency predictor's count). */
  busy: number;
  /** The remote's idle environments likely still warm before these warm-ups. */
  warmIdle: number;
}

/** Payload of `failure`: the task's final error. */
export interface TaskFailureInfo extends TaskEventInfo {
  /** The error the task's promise rejects with. */
  error: OffloadError;
}

/** Payload of `retry`: why the attempt is repeated and where the next one goes. */
export interface TaskRetryInfo extends TaskEventInfo {
  /** The error of the attempt that failed. */
  error: OffloadError;
  /** Why the task is tried again, in words. */
  reason: string;
  /** Backend of the next attempt. */
  nextBackend: string;
}

/**
 * Payload of `error`: a worker fault charged to a task that had already
 * settled (it returned, but a timer, promise or callback it left behind
 * killed its worker later; counted in `stats().local.workerFaults`), or a
 * worker retired because its task changed `Object.prototype` or added an
 * enumerable global (`ERR_WORKER_TAINTED`; counted in
 * `stats().local.recycledWorkers`). The task's own result stands; the tasks
 * that worker held are run again.
 */
export interface LateFaultInfo {
  /** The `offloadable` name of the task that left the fault behind. */
  taskName: string;
  /** Its task id. */
  taskId: string;
  /** Backend whose worker died (`local`). */
  backend: string;
  /** The worker's death (`ERR_WORKER_EXITED`, `ERR_WORKER_CRASHED`, ...). */
  error: OffloadError;
}

/** Payload of `drain`. */
export interface DrainInfo {
  /** Tasks settled since the offloader was created. */
  settled: number;
}

/** Payload of `budgetExhausted`: the spend that reached a budget. */
export interface BudgetExhaustedInfo {
  /** Spent on remotes so far (billed plus in flight), USD. */
  totalUsd: number;
  /** Spent on remotes in the last hour (billed plus in flight), USD. */
  lastHourUsd: number;
  /** The total budget, when one is set. */
  budgetUsd?: number;
  /** The hourly budget, when one is set. */
  budgetUsdPerHour?: number;
}

/** Payload of the breaker events. */
export interface BreakerInfo {
  /** The backend whose breaker changed state. */
  backend: string;
  /** Why, in words. */
  reason: string;
}

/** Event names and payloads of an offloader. */
export interface OffloaderEvents {
  /** An attempt left the queue for a backend. */
  dispatch: TaskEventInfo;
  /** A task succeeded. */
  success: TaskEventInfo;
  /** A task failed for good. */
  failure: TaskFailureInfo;
  /** A failed attempt will be tried again. */
  retry: TaskRetryInfo;
  /** An attempt of a task with `hedge` ran past its percentile: a backup attempt was sent to `hedgeBackend`. */
  hedge: TaskHedgeInfo;
  /** `burst.prewarm` sent warm-ups to a remote on a spike of the local queue (each also appears on the timeline with reason `prewarm`). */
  prewarm: PrewarmInfo;
  /** Nothing is pending any more. */
  drain: DrainInfo;
  /** A worker fault surfaced after the task that caused it settled; emitted only when a listener is attached. */
  error: LateFaultInfo;
  /** The cost budget is spent: overflow stops and tasks queue locally. Fires once. */
  budgetExhausted: BudgetExhaustedInfo;
  /** A backend's breaker opened: the scheduler stops sending it tasks (for `local`: `auto` tasks overflow). */
  breakerOpen: BreakerInfo;
  /** A backend's breaker lets one probe through. */
  breakerHalfOpen: BreakerInfo;
  /** A backend's breaker closed again. */
  breakerClose: BreakerInfo;
  /** An attempt printed something (only while log capture is on). */
  log: TaskLogInfo;
  /** An attempt without `timeoutMs` ran past its `stallAfterMs`, on the local pool or a remote (once per attempt; see `onStall`, which acts on local attempts only). */
  stall: StallInfo;
  /** A keyed local attempt did not go to its key's worker (its queue was full, no worker was alive, or the worker ended); emitted only when a listener is attached. */
  affinityMiss: AffinityMissInfo;
}
