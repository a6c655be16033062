/**
 * The spend ledger of the remotes: attempts in flight per backend, the
 * upper bound each one reserves against the budgets until it settles, the
 * billed cost of each attempt once it settled (failed and aborted ones
 * included, with the cross-region move of its data), and the measured run
 * times of each remote, per task. Fires `budgetExhausted` once, when spend
 * reaches a budget.
 */
import type { Backend } from '../backends/backend.js';
import { DurationEstimator } from '../backends/local/duration-estimator.js';
import { budgetExhausted } from '../scheduler/decide.js';
import type { CostPolicy, SpendSignals } from '../scheduler/types.js';
import type { ResolvedTaskDefinition } from '../task.js';
import { attemptBoundMs } from './attempt-cost.js';
import type { BudgetExhaustedInfo } from './events.js';
import { type SpendSummary, SpendTracker } from './spend-tracker.js';

/** What one remote attempt holds against the budgets until it settles. */
export interface Reservation {
  readonly backend: Backend;
  /** The attempt's upper bound of billed run time, ms (a billed cold start comes on top, up to the backend's `maxBilledColdStartMs`). */
  readonly boundMs: number;
  /** The cost of that bound, the attempt's most storage requests and {@link transferUsd}, USD. */
  readonly usd: number;
  /** What moving the task's data to the backend's region costs, USD (0 in the same region). */
  readonly transferUsd: number;
}

/**
 * The cost of an attempt billed `boundMs` of run time after the longest
 * cold start `backend` bills (`maxBilledColdStartMs`); undefined without a price model.
 */
function boundUsd(backend: Backend, boundMs: number): number | undefined {
  const coldStartMs = backend.maxBilledColdStartMs;
  return coldStartMs ? backend.estimateCostUsd?.(boundMs, coldStartMs) : backend.estimateCostUsd?.(boundMs);
}

/** In-flight counts, reservations, billed spend and measured run times of the remotes. */
export class SpendLedger {
  readonly #cost: CostPolicy;
  readonly #localDurations: DurationEstimator;
  readonly #remoteDurations = new Map<string, DurationEstimator>();
  readonly #onExhausted: (info: BudgetExhaustedInfo) => void;
  readonly #billed = new SpendTracker();
  readonly #inFlight = new Map<string, number>();
  #reservedUsd = 0;
  #crossRegionUsd = 0;
  #exhaustedFired = false;

  /** `localDurations` gives each task's run time on the local pool; `onExhausted` hears the first time spend reaches a budget. */
  constructor(cost: CostPolicy, localDurations: DurationEstimator, onExhausted: (info: BudgetExhaustedInfo) => void) {
    this.#cost = cost;
    this.#localDurations = localDurations;
    this.#onExhausted = onExhausted;
  }

  /**
   * Expected cost of one run of `task` on `backend`, from its run time
   * measured there, else on the local pool, else its `expectedDurationMs`
   * (0 when none is known), plus the INIT of a cold start of `coldStartMs`
   * when one is expected; undefined without a price model.
   */
  estimateUsd(backend: Backend, task: ResolvedTaskDefinition, coldStartMs?: number): number | undefined {
    if (backend.estimateCostUsd === undefined) return undefined;
    const measured = this.#remoteDurations.get(backend.name)?.estimateMs(task.name);
    const runMs = measured ?? this.#localDurations.estimateMs(task.name, task.expectedDurationMs) ?? 0;
    return coldStartMs ? backend.estimateCostUsd(runMs, coldStartMs) : backend.estimateCostUsd(runMs);
  }

  /** What one attempt with `timeoutMs` reserves on `backend` (see `attemptBoundMs`) with its storage requests (`maxStorageUsd`), USD; undefined without either. */
  reserveUsd(backend: Backend, timeoutMs: number | undefined): number | undefined {
    const runUsd = boundUsd(backend, attemptBoundMs(backend, timeoutMs));
    const storageUsd = backend.maxStorageUsd;
    return runUsd === undefined && storageUsd === undefined ? undefined : (runUsd ?? 0) + (storageUsd ?? 0);
  }

  /** Attempts sent to `backend` and not settled. */
  inFlight(backend: string): number {
    return this.#inFlight.get(backend) ?? 0;
  }

  /** Spend for budget checks: billed so far plus the reservations of remote attempts in flight. */
  committed(): SpendSignals {
    const billed = this.#billed.current();
    return { totalUsd: billed.totalUsd + this.#reservedUsd, lastHourUsd: billed.lastHourUsd + this.#reservedUsd };
  }

  /**
   * A remote attempt with `timeoutMs` that moves its data for `transferUsd`
   * starts: counts it in flight and reserves its upper bound until {@link settled}.
   */
  reserve(backend: Backend, timeoutMs: number | undefined, transferUsd = 0): Reservation {
    this.#inFlight.set(backend.name, this.inFlight(backend.name) + 1);
    const boundMs = attemptBoundMs(backend, timeoutMs);
    const usd = (this.reserveUsd(backend, timeoutMs) ?? 0) + transferUsd;
    this.#reservedUsd += usd;
    return { backend, boundMs, usd, transferUsd };
  }

  /**
   * A remote attempt settled: its reservation is replaced by the billed cost
   * of `billedMs` of run time and its data's move (nothing when undefined:
   * it never reached the backend), plus the INIT of the environment it
   * started when its result reported one (`coldStartMs`; the backend's price
   * model bills it as its provider does). Returns what it billed, USD.
   */
  settled({ backend, usd, transferUsd }: Reservation, billedMs: number | undefined, coldStartMs?: number): number {
    this.#inFlight.set(backend.name, this.inFlight(backend.name) - 1);
    this.#reservedUsd -= usd;
    // Float sums drift below zero when everything settled.
    if (this.#reservedUsd < 0) this.#reservedUsd = 0;
    if (billedMs === undefined) return 0;
    this.#crossRegionUsd += transferUsd;
    if (backend.estimateCostUsd === undefined && transferUsd === 0) return 0;
    const runUsd = coldStartMs === undefined ? backend.estimateCostUsd?.(billedMs) : backend.estimateCostUsd?.(billedMs, coldStartMs);
    const billedUsd = (runUsd ?? 0) + transferUsd;
    this.#billed.add(backend.name, billedUsd);
    this.checkBudget();
    return billedUsd;
  }

  /** `backend` spent `usd` besides run time (the storage requests of payloads by reference): billed at once. */
  charged(backend: Backend, usd: number): void {
    if (usd <= 0) return;
    this.#billed.add(backend.name, usd);
    this.checkBudget();
  }

  /** `backend` ran `taskName` for `durationMs` (as it reported): feeds that backend's run-time estimate of the task. */
  measured(backend: Backend, taskName: string, durationMs: number): void {
    const durations = this.#remoteDurations.get(backend.name) ?? new DurationEstimator();
    this.#remoteDurations.set(backend.name, durations);
    durations.record(taskName, durationMs);
  }

  /** True when the budgets leave room for another remote attempt reserving `nextCostUsd`; fires `budgetExhausted` (once per ledger) when they do not. */
  checkBudget(nextCostUsd = 0): boolean {
    const spend = this.committed();
    if (!budgetExhausted(this.#cost, spend, nextCostUsd)) return true;
    if (!this.#exhaustedFired) {
      this.#exhaustedFired = true;
      this.#onExhausted({ ...spend, budgetUsd: this.#cost.budgetUsd, budgetUsdPerHour: this.#cost.budgetUsdPerHour });
    }
    return false;
  }

  /** Billed spend so far, for `stats()`. */
  summary(): SpendSummary {
    return { ...this.#billed.summary(), crossRegionUsd: this.#crossRegionUsd };
  }
}
