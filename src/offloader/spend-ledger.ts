/**
 * The spend ledger of the remotes: attempts in flight per backend, the
 * estimated cost they commit against the budgets, and the billed cost of
 * each remote run once it settled. Fires `budgetExhausted` once, when spend
 * reaches a budget.
 */
import type { Backend } from '../backends/backend.js';
import type { DurationEstimator } from '../backends/local/duration-estimator.js';
import { budgetExhausted } from '../scheduler/decide.js';
import type { CostPolicy, SpendSignals } from '../scheduler/types.js';
import type { ResolvedTaskDefinition } from '../task.js';
import type { BudgetExhaustedInfo } from './events.js';
import { type SpendSummary, SpendTracker } from './spend-tracker.js';

/** In-flight counts, committed estimates and billed spend of the remotes. */
export class SpendLedger {
  readonly #cost: CostPolicy;
  readonly #durations: DurationEstimator;
  readonly #onExhausted: (info: BudgetExhaustedInfo) => void;
  readonly #billed = new SpendTracker();
  readonly #inFlight = new Map<string, number>();
  #committedUsd = 0;
  #exhaustedFired = false;

  /** `durations` gives each task's expected run time; `onExhausted` hears the first time spend reaches a budget. */
  constructor(cost: CostPolicy, durations: DurationEstimator, onExhausted: (info: BudgetExhaustedInfo) => void) {
    this.#cost = cost;
    this.#durations = durations;
    this.#onExhausted = onExhausted;
  }

  /** Estimated cost of one run of `task` on `backend`, from the task's measured (or expected) run time; undefined without a price model. */
  estimateUsd(backend: Backend, task: ResolvedTaskDefinition): number | undefined {
    if (backend.estimateCostUsd === undefined) return undefined;
    return backend.estimateCostUsd(this.#durations.estimateMs(task.name, task.expectedDurationMs) ?? 0);
  }

  /** Attempts sent to `backend` and not settled. */
  inFlight(backend: string): number {
    return this.#inFlight.get(backend) ?? 0;
  }

  /** Spend for budget checks: billed so far plus the estimates of remote attempts in flight. */
  committed(): SpendSignals {
    const billed = this.#billed.current();
    return { totalUsd: billed.totalUsd + this.#committedUsd, lastHourUsd: billed.lastHourUsd + this.#committedUsd };
  }

  /** A remote attempt was sent: counts it in flight and commits its estimate; returns the estimate to pass to {@link settled}. */
  started(backend: Backend, task: ResolvedTaskDefinition): number {
    this.#inFlight.set(backend.name, this.inFlight(backend.name) + 1);
    const estimatedUsd = this.estimateUsd(backend, task) ?? 0;
    this.#committedUsd += estimatedUsd;
    return estimatedUsd;
  }

  /** A remote attempt settled: releases its estimate and bills its measured run time when it ran (`durationMs` defined). */
  settled(backend: Backend, durationMs: number | undefined, estimatedUsd: number): void {
    this.#inFlight.set(backend.name, this.inFlight(backend.name) - 1);
    this.#committedUsd -= estimatedUsd;
    if (durationMs === undefined || backend.estimateCostUsd === undefined) return;
    this.#billed.add(backend.name, backend.estimateCostUsd(durationMs));
    this.checkBudget();
  }

  /** Fires `budgetExhausted` (once per ledger) when the budgets leave no room for a run costing `nextCostUsd`. */
  checkBudget(nextCostUsd = 0): void {
    if (this.#exhaustedFired) return;
    const spend = this.committed();
    if (!budgetExhausted(this.#cost, spend, nextCostUsd)) return;
    this.#exhaustedFired = true;
    this.#onExhausted({ ...spend, budgetUsd: this.#cost.budgetUsd, budgetUsdPerHour: this.#cost.budgetUsdPerHour });
  }

  /** Billed spend so far, for `stats()`. */
  summary(): SpendSummary {
    return this.#billed.summary();
  }
}
