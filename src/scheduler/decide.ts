/**
 * The hybrid scheduler's decisions, as pure functions: given the live
 * signals (local queue depth and predicted wait, each remote's in-flight
 * count, cap, breaker state and cost estimate, spend so far), keep a task
 * local, send it to a remote, or queue it locally because no remote may take
 * it; with `burst.latencyAware` (the default), a remote takes it only when
 * its predicted latency (what the caller's `LatencyPredictor` gives, passed
 * in as `predictedLatencyMs`) beats the local one. {@link eligible} is the one rule of whether a remote may take an
 * attempt, for first placement and failover alike. No I/O: everything is in
 * the arguments, so it is unit-tested with plain objects.
 */
import type { BurstPolicy, CostPolicy, RemoteSignals, Scheduler, SchedulerSnapshot, SpendSignals } from './types.js';

/** True when the budget of `cost` leaves no room for another remote run costing `nextCostUsd`. */
export function budgetExhausted(cost: CostPolicy, spend: SpendSignals, nextCostUsd = 0): boolean {
  if (cost.budgetUsd !== undefined && spend.totalUsd + nextCostUsd > cost.budgetUsd) return true;
  return cost.budgetUsdPerHour !== undefined && spend.lastHourUsd + nextCostUsd > cost.budgetUsdPerHour;
}

/**
 * True when `remote` may take one more attempt: its breaker is not open, a
 * half-open breaker has no probe in flight yet (one probe at a time), it is
 * under its concurrency cap, its expected cost is within `cost.maxUsdPerTask`,
 * and its upper bound (`reserveUsd`, else the expected cost) fits the budgets.
 */
export function eligible(remote: RemoteSignals, spend: SpendSignals, cost: CostPolicy): boolean {
  if (remote.breaker === 'open') return false;
  if (remote.breaker === 'half-open' && remote.inFlight > 0) return false;
  if (remote.inFlight >= remote.maxConcurrency) return false;
  const estimate = remote.estimatedCostUsd ?? 0;
  if (cost.maxUsdPerTask !== undefined && estimate > cost.maxUsdPerTask) return false;
  return !budgetExhausted(cost, spend, remote.reserveUsd ?? estimate);
}

/**
 * True when `remote`'s predicted latency beats the task's predicted local
 * latency (the pool's predicted wait plus the task's run time there), or
 * when `remote` has no prediction. Once the pool has been saturated for at
 * least `remote`'s predicted cold start, the cold start is left out of the
 * comparison (the ski-rental rule): holding tasks back from a cold remote
 * pays only while the overload is shorter than a cold start; once it has
 * lasted that long, an environment started when it began would be warm by
 * now, and every task held back keeps the local queue near the cold start's
 * length. A remote slower than the pool even when warm is never chosen by
 * that rule.
 */
function beatsLocal(remote: RemoteSignals, snapshot: SchedulerSnapshot): boolean {
  if (remote.predictedLatencyMs === undefined) return true;
  const coldStartMs = remote.predictedColdStartMs ?? 0;
  const overloadOutlastedColdStart = coldStartMs > 0 && (snapshot.local.saturatedForMs ?? 0) >= coldStartMs;
  const latencyMs = overloadOutlastedColdStart ? remote.predictedLatencyMs - coldStartMs : remote.predictedLatencyMs;
  return latencyMs < snapshot.local.predictedWaitMs + (snapshot.local.predictedRunMs ?? 0);
}

/** Creates the scheduler for a burst and cost policy. */
export function createScheduler(burst: BurstPolicy = {}, cost: CostPolicy = {}): Scheduler {
  const maxQueueDepth = burst.maxQueueDepth ?? Number.POSITIVE_INFINITY;
  const maxWaitMs = burst.maxWaitMs ?? Number.POSITIVE_INFINITY;
  const prefer = cost.prefer ?? 'cheapest';
  const latencyAware = burst.latencyAware ?? true;

  function saturated(snapshot: SchedulerSnapshot): boolean {
    const { local } = snapshot;
    return local.breaker === 'open' || local.queueDepth > maxQueueDepth || local.predictedWaitMs > maxWaitMs;
  }

  function rank(remote: RemoteSignals): number {
    if (prefer === 'cheapest') return remote.estimatedCostUsd ?? Number.POSITIVE_INFINITY;
    if (prefer === 'fastest') return remote.expectedLatencyMs ?? Number.POSITIVE_INFINITY;
    const index = prefer.indexOf(remote.name);
    return index === -1 ? Number.POSITIVE_INFINITY : index;
  }

  return {
    saturated,
    eligible: (remote, spend) => eligible(remote, spend, cost),
    budgetExhausted: (spend, nextCostUsd) => budgetExhausted(cost, spend, nextCostUsd),
    decide(snapshot) {
      if (!saturated(snapshot)) return 'local';
      const { dataRegion } = snapshot;
      // A remote in the data's region comes first, then the `prefer` rank.
      const away = (remote: RemoteSignals): number => (dataRegion !== undefined && remote.region !== dataRegion ? 1 : 0);
      let best: RemoteSignals | undefined;
      let slower = false;
      for (const remote of snapshot.remotes) {
        if (!eligible(remote, snapshot.spend, cost)) continue;
        if (typeof prefer !== 'string' && !prefer.includes(remote.name)) continue;
        if (latencyAware && !beatsLocal(remote, snapshot)) {
          slower = true;
          continue;
        }
        // Stable: among equals, the earlier remote in `remotes` wins.
        if (best === undefined || away(remote) < away(best) || (away(remote) === away(best) && rank(remote) < rank(best))) best = remote;
      }
      // A remote could take it but is predicted slower than the pool: the task stays local.
      return best?.name ?? (slower ? 'local' : 'queue');
    },
  };
}
