/**
 * The scheduler's vocabulary: the burst and cost policies it applies, the
 * live signals it reads, and the decision it returns.
 */

/** State of a backend's circuit breaker. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Burst thresholds: when the local pool counts as saturated. */
export interface BurstPolicy {
  /**
   * Overflow when more attempts than this wait in the local queue.
   * @default Infinity (never, by depth)
   */
  maxQueueDepth?: number;
  /**
   * Overflow when a new task would wait longer than this before a worker
   * starts it (predicted from each task's measured run time).
   * @default Infinity (never, by wait)
   */
  maxWaitMs?: number;
  /**
   * Once saturated, overflow a task only to a remote whose predicted latency
   * (expected cold start + network + run time there) beats its predicted
   * local latency (wait + run time); otherwise it stays local. A remote
   * without a prediction (no latency profile) is not held back.
   * @default true
   */
  latencyAware?: boolean;
  /**
   * Warm the preferred remote's environments when the local queue spikes,
   * before overflow needs them (off when absent). Warm-ups are billed.
   */
  prewarm?: PrewarmPolicy;
}

/**
 * `burst.prewarm`: no-op warm-up invocations sent to the preferred remote
 * (the first in `remotes` with a latency profile whose breaker is not open)
 * when the local queue spikes. A spike: at an `auto` placement, the local
 * queue is at least `onQueueGrowth` deeper than at the start of the current
 * one-second window (arrivals outpace the workers by that many tasks a
 * second). Then warm-ups are sent until the remote has `maxEnvironments`
 * environments busy, likely warm or warming. Each is billed like an attempt
 * (request fee, its billed run time, the INIT it reports) and reserves its
 * bound against the budgets; none is sent when the budgets have no room.
 * The rule's pure part is prewarm-rule.ts; `spillway simulate --prewarm`
 * runs it on a recorded trace to price the warm-ups beforehand.
 */
export interface PrewarmPolicy {
  /** Environments of the remote to have busy or warm after a spike (at least 1). */
  maxEnvironments: number;
  /** Growth of the local queue within one second that counts as a spike, tasks (at least 1). */
  onQueueGrowth: number;
}

/**
 * What a remote's latency is made of before anything was measured there:
 * the priors of the scheduler's predictions (each is then learned from the
 * remote's answers).
 */
export interface RemoteLatencyProfile {
  /** INIT of a new execution environment (a cold start), ms. */
  coldStartMs: number;
  /** Run time there = run time on the local pool x this (slower CPUs are > 1). */
  speedFactor: number;
  /** An environment idle longer than this is taken to be reclaimed, ms. */
  warmMs: number;
  /** Network round trip of one attempt, ms. */
  networkMs: number;
}

/** Cost rules for overflow. */
export interface CostPolicy {
  /** Total spend allowed on remotes over the offloader's life, USD. */
  budgetUsd?: number;
  /** Spend allowed on remotes in any sliding hour, USD. */
  budgetUsdPerHour?: number;
  /** Largest estimated cost of one task on a remote, USD. */
  maxUsdPerTask?: number;
  /**
   * Which eligible remote comes first: the cheapest estimate, the fastest
   * measured latency, or an explicit order of backend names.
   * @default 'cheapest'
   */
  prefer?: 'cheapest' | 'fastest' | readonly string[];
  /**
   * Price of moving 1 GB of a task's data (its `dataRegion` bytes, else its
   * encoded input) to a remote in another region, USD: added to that
   * remote's estimate and reservation, and billed into the spend
   * (`stats().spend.crossRegionUsd`) when an attempt reaches it.
   * @default 0.02 (AWS's rate between most region pairs; see `CROSS_REGION_USD_PER_GB`)
   */
  crossRegionUsdPerGb?: number;
}

/** Live signals of one remote. */
export interface RemoteSignals {
  /** The backend's name. */
  name: string;
  /** Attempts sent and not settled. */
  inFlight: number;
  /** The backend's in-flight cap. */
  maxConcurrency: number;
  /** State of the remote's circuit breaker. */
  breaker: BreakerState;
  /** Expected cost of this task there, USD, from measured run times (undefined: no price model). */
  estimatedCostUsd?: number;
  /**
   * Upper bound of this attempt's cost there, USD: its timeout (or the
   * remote's longest billed run) at the remote's price, reserved against
   * the budgets until the attempt settles (undefined: no price model).
   */
  reserveUsd?: number;
  /** Typical latency there (for `prefer: 'fastest'`), undefined before any run. */
  expectedLatencyMs?: number;
  /**
   * Predicted latency of this task there now, ms: expected cold start (none
   * while a warm environment is idle) + network + run time there
   * (undefined: no prediction; the remote is not held back by latency).
   */
  predictedLatencyMs?: number;
  /** The cold start inside `predictedLatencyMs`, ms (0: a warm environment is idle; undefined: no prediction). */
  predictedColdStartMs?: number;
  /** The region the remote runs in, when known. */
  region?: string;
}

/** Spend on remotes, USD: billed so far plus the reservations of attempts in flight. */
export interface SpendSignals {
  /** Billed and reserved on remotes so far, USD. */
  totalUsd: number;
  /** Billed and reserved on remotes in the last hour, USD. */
  lastHourUsd: number;
}

/** Live signals of the local pool. */
interface LocalSignals {
  /** Attempts waiting for a worker. */
  queueDepth: number;
  /** Predicted wait of a new task before a worker starts it, ms. */
  predictedWaitMs: number;
  /** Predicted run time of this task on the pool, ms (undefined: unknown, taken as 0). */
  predictedRunMs?: number;
  /**
   * How long the pool has been saturated without a break, ms (0 or
   * undefined: it just became saturated). The latency-aware rule stops
   * waiting for the pool instead of a cold remote once this reaches the
   * remote's predicted cold start.
   */
  saturatedForMs?: number;
  /** State of the local pool's breaker (worker crash storms open it). */
  breaker: BreakerState;
}

/** Everything {@link Scheduler.decide} looks at. */
export interface SchedulerSnapshot {
  /** The local pool. */
  local: LocalSignals;
  /** Every remote, in the order of the offloader's `remotes`. */
  remotes: readonly RemoteSignals[];
  /** Spend so far. */
  spend: SpendSignals;
  /** The region of the task's data (its `dataRegion`): an eligible remote there comes before the others. */
  dataRegion?: string;
}

/** `local`, a remote's name, or `queue` (overflow was due but no remote may take the task: it waits locally). */
type Decision = 'local' | 'queue' | (string & {});

/** A scheduler bound to one policy. */
export interface Scheduler {
  /** Where a task with `placement: 'auto'` goes now. */
  decide(snapshot: SchedulerSnapshot): Decision;
  /** True when the local pool counts as saturated under the burst thresholds. */
  saturated(snapshot: SchedulerSnapshot): boolean;
  /** True when `remote` may take one more attempt now (see {@link eligible}); first placement and failover both ask this. */
  eligible(remote: RemoteSignals, spend: SpendSignals): boolean;
  /** True when the budget leaves no room for another remote run costing `nextCostUsd`. */
  budgetExhausted(spend: SpendSignals, nextCostUsd?: number): boolean;
}
