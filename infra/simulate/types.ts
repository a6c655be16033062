/**
 * The simulator's vocabulary: a recorded arrival, a remote's parametric
 * cloud model, one setting to simulate, and what a run of it measured.
 */

import type { HedgeOptions } from '../../src/hedge-options.js';
import type { BurstPolicy, CostPolicy } from '../../src/scheduler/types.js';
import type { FleetParams } from '../cloud-model/params.js';
import type { SimHedgeResult } from './hedge.js';
import type { SimPrewarmResult } from './prewarm.js';

/**
 * One recorded task arrival (one line of a JSONL trace):
 * `{ "at": 12.5, "task": "resize", "durationMs": 40 }`.
 */
export interface TraceArrival {
  /** When the task arrived, ms since the trace started. */
  at: number;
  /** The task's `offloadable` name. */
  task: string;
  /** Its measured run time on the local pool, ms (a remote runs it `speedFactor` times as long). */
  durationMs: number;
}

/** A function fleet, as parameters: the cloud model's (infra/cloud-model/params.ts). */
export type RemoteModel = FleetParams;

/** Everything one simulated run needs besides the trace. */
export interface SimulationSetting {
  /** Local workers (the pool's `maxWorkers`). */
  localWorkers: number;
  /** The remotes, in the offloader's `remotes` order. */
  remotes: readonly RemoteModel[];
  /** Burst thresholds, as `createOffloader({ burst })`; `prewarm` warms the first remote on a spike (prewarm.ts). */
  burst: BurstPolicy;
  /** Cost rules, as `createOffloader({ cost })`; `budgetUsdPerHour` is read as a total budget. */
  cost: CostPolicy;
  /** Timeout of a remote attempt, ms: its reservation against the budget is this run time's price. @default 30000 */
  timeoutMs?: number;
  /** Seed of the random draws (network, cold starts). Same seed, same result. */
  seed: number;
  /**
   * The caller's own time to send one remote attempt, ms: sends are
   * serialized (one event loop), so a burst of N attempts decided at once
   * leaves the caller over N x this, the last one that much later.
   * @default 0
   */
  dispatchMs?: number;
  /**
   * Where every arrival goes, as a pinned `placement` does: `local` or a
   * remote's name (a throttled attempt still runs locally); absent: the
   * scheduler decides (`placement: 'auto'`).
   */
  placement?: string;
  /** The hedge rule of every task (see `offloadable({ hedge })`); absent: no hedging. */
  hedge?: HedgeOptions;
}

/** What one simulated run measured. */
export interface SimulationResult {
  /** Median latency (arrival to result), ms. */
  p50Ms: number;
  /** 99th percentile latency, ms. */
  p99Ms: number;
  /** Time from the first arrival to the last result, ms. */
  makespanMs: number;
  /** Tasks run per backend (`local` and each remote name). */
  tasksPerBackend: Record<string, number>;
  /** Cold starts per remote name (warm-ups' included). */
  coldStarts: Record<string, number>;
  /** Billed spend on remotes, USD (remote backups and warm-ups included). */
  costUsd: number;
  /** What hedging did, when the setting hedges. */
  hedges?: SimHedgeResult;
  /** What pre-warming did, when the setting's `burst` has `prewarm` and there is a remote. */
  prewarm?: SimPrewarmResult;
}
