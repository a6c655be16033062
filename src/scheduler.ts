/**
 * The hybrid scheduler's decision, as a pure function: given a task and the
 * live signals (local queue depth and predicted wait, each remote's in-flight
 * count, cap, breaker state and cost estimate, spend so far), keep the task
 * local, send it to a remote, or queue it locally because no remote may take
 * it. No I/O: everything it needs is in the snapshot, so it is unit-tested
 * with plain objects.
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
}

/** Live signals of one remote. */
export interface RemoteSignals {
  name: string;
  /** Attempts sent and not settled. */
  inFlight: number;
  /** The backend's in-flight cap. */
  maxConcurrency: number;
  breaker: BreakerState;
  /** Estimated cost of this task there, USD (undefined: no price model). */
  estimatedCostUsd?: number;
  /** Typical latency there (for `prefer: 'fastest'`), undefined before any run. */
  expectedLatencyMs?: number;
}

/** Everything {@link Scheduler.decide} looks at. */
export interface SchedulerSnapshot {
  local: {
    /** Attempts waiting for a worker. */
    queueDepth: number;
    /** Predicted wait of a new task before a worker starts it, ms. */
    predictedWaitMs: number;
    breaker: BreakerState;
  };
  remotes: readonly RemoteSignals[];
  spend: {
    /** Spent on remotes so far, USD. */
    totalUsd: number;
    /** Spent on remotes in the last hour, USD. */
    lastHourUsd: number;
  };
}

/** `local`, a remote's name, or `queue` (overflow was due but no remote may take the task: it waits locally). */
export type Decision = 'local' | 'queue' | (string & {});

/** A scheduler bound to one policy. */
export interface Scheduler {
  /** Where a task with `placement: 'auto'` goes now. */
  decide(task: { name: string }, snapshot: SchedulerSnapshot): Decision;
  /** True when the local pool counts as saturated under the burst thresholds. */
  saturated(snapshot: SchedulerSnapshot): boolean;
  /** True when the budget leaves no room for another remote run costing `nextCostUsd`. */
  budgetExhausted(spend: SchedulerSnapshot['spend'], nextCostUsd?: number): boolean;
}

/**
 * Predicted wait of a new task: the estimated work already queued, spread over
 * the workers. `queued` counts queued attempts per task name; `estimateMs`
 * gives each name's running estimate (unknown names count as `unknownMs`).
 */
export function predictWaitMs(
  queued: ReadonlyMap<string, number>,
  estimateMs: (taskName: string) => number | undefined,
  workers: number,
  unknownMs = 0,
): number {
  let workMs = 0;
  for (const [taskName, count] of queued) workMs += count * (estimateMs(taskName) ?? unknownMs);
  return workMs / Math.max(1, workers);
}

/** Creates the scheduler for a burst and cost policy. */
export function createScheduler(burst: BurstPolicy = {}, cost: CostPolicy = {}): Scheduler {
  const maxQueueDepth = burst.maxQueueDepth ?? Number.POSITIVE_INFINITY;
  const maxWaitMs = burst.maxWaitMs ?? Number.POSITIVE_INFINITY;
  const prefer = cost.prefer ?? 'cheapest';

  function budgetExhausted(spend: SchedulerSnapshot['spend'], nextCostUsd = 0): boolean {
    if (cost.budgetUsd !== undefined && spend.totalUsd + nextCostUsd > cost.budgetUsd) return true;
    return cost.budgetUsdPerHour !== undefined && spend.lastHourUsd + nextCostUsd > cost.budgetUsdPerHour;
  }

  function saturated(snapshot: SchedulerSnapshot): boolean {
    const { local } = snapshot;
    return local.breaker === 'open' || local.queueDepth > maxQueueDepth || local.predictedWaitMs > maxWaitMs;
  }

  function eligible(remote: RemoteSignals, spend: SchedulerSnapshot['spend']): boolean {
    if (remote.breaker === 'open') return false;
    // Half-open: exactly one probe at a time.
    if (remote.breaker === 'half-open' && remote.inFlight > 0) return false;
    if (remote.inFlight >= remote.maxConcurrency) return false;
    const estimate = remote.estimatedCostUsd ?? 0;
    if (cost.maxUsdPerTask !== undefined && estimate > cost.maxUsdPerTask) return false;
    return !budgetExhausted(spend, estimate);
  }

  function rank(remote: RemoteSignals): number {
    if (prefer === 'cheapest') return remote.estimatedCostUsd ?? Number.POSITIVE_INFINITY;
    if (prefer === 'fastest') return remote.expectedLatencyMs ?? Number.POSITIVE_INFINITY;
    const index = prefer.indexOf(remote.name);
    return index === -1 ? Number.POSITIVE_INFINITY : index;
  }

  return {
    saturated,
    budgetExhausted,
    decide(_task, snapshot) {
      if (!saturated(snapshot)) return 'local';
      let best: RemoteSignals | undefined;
      for (const remote of snapshot.remotes) {
        if (!eligible(remote, snapshot.spend)) continue;
        if (Array.isArray(prefer) && !prefer.includes(remote.name)) continue;
        // Stable: among equals, the earlier remote in `remotes` wins.
        if (best === undefined || rank(remote) < rank(best)) best = remote;
      }
      return best?.name ?? 'queue';
    },
  };
}
