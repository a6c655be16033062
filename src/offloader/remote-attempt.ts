/**
 * Remote attempts of one task: each goes through the remote's breaker and
 * the spend ledger (it reserves its upper bound and the cross-region move
 * of its data until it settles, then is billed for what ran and moved) and
 * is watched for stalls; an infrastructure fault is retried with p-retry
 * backoff, and each retry fails over to where the router says (an eligible
 * remote this task has not failed on yet, one in the data's region first,
 * else the local pool), keeping the task id and counting attempts. An
 * attempt that a breaker turns away (it opened after the attempt was placed)
 * never started: it fails over at once and spends no retry. An attempt the budgets leave no room for runs on the local
 * pool instead, or fails with `ERR_BUDGET_EXHAUSTED` when its placement
 * names a remote.
 */
import pRetry from 'p-retry';
import type { Backend } from '../backends/backend.js';
import type { LocalBackend } from '../backends/local/index.js';
import type { ResultEnvelope, TaskEnvelope } from '../contract/envelope.js';
import { CapacityError, type OffloadError } from '../errors.js';
import type { BackendBreaker } from '../resilience/breaker.js';
import { isInfrastructureFault, neverStarted } from '../resilience/faults.js';
import { backoff, type RetryOptions } from '../resilience/retry.js';
import type { CostPolicy } from '../scheduler/types.js';
import type { ResolvedTaskDefinition } from '../task.js';
import { failedAttemptMs } from './attempt-cost.js';
import { backendFailure } from './backend-failure.js';
import type { DataPlace } from './data-place.js';
import type { EndWatch, RemoteStallWatch } from './remote-stall.js';
import type { Router } from './router.js';
import type { SpendLedger } from './spend-ledger.js';

/** The task run whose attempts go to remotes. */
export interface RemoteAttemptRun {
  readonly task: ResolvedTaskDefinition;
  readonly signal: AbortSignal | undefined;
  readonly chunkSize: number | undefined;
  /** The attempt's `timeoutMs` (the call's, else the task's); it sets the attempt's upper bound of cost. */
  readonly timeoutMs: number | undefined;
  /** The placement names a backend (not `auto`): a remote the budgets leave no room for fails the task instead of running it locally. */
  readonly pinned: boolean;
  /** Where the task's data lives (its `dataRegion(input)`), if it said. */
  readonly data: DataPlace | undefined;
  /** The backend of the current attempt. */
  readonly backend: Backend;
  /** Builds the next attempt's envelope (counting the attempt). */
  nextEnvelope(): TaskEnvelope;
  /** The attempt left for its backend at `now` (`performance.now()`; default: when its envelope was built). */
  dispatched(now?: number): void;
  /** The remote attempt is sent with its breaker in `breakerState`, estimated to cost `estimatedUsd` (for its trace). */
  remoteAttempt(breakerState: string, estimatedUsd: number): void;
  /** The remote attempt left the backend's own concurrency queue at `now` (`performance.now()`; for the timeline). */
  remoteSent(now: number): void;
  /** A failover attempt on the local pool was answered by worker `workerId` (a thread id; for the timeline). */
  answeredBy(workerId: number | undefined): void;
  /** The attempt failed with an infrastructure fault (or found no room in the budgets) and goes to `next`. */
  failingOver(error: OffloadError, next: Backend): void;
}

/** What {@link RemoteAttempts} works with. */
export interface RemoteAttemptParts {
  local: LocalBackend;
  router: Router;
  ledger: SpendLedger;
  /** The budgets, for the message of `ERR_BUDGET_EXHAUSTED`. */
  cost: CostPolicy;
  /** The breaker of each remote, by name. */
  breakers: ReadonlyMap<string, BackendBreaker>;
  retry: Required<RetryOptions>;
  /** Aborts when the offloader is destroyed. */
  lifetime: AbortSignal;
  /** Watches each sent attempt for a stall. */
  stalls: RemoteStallWatch;
}

/** Runs a task's attempts on remotes, with breakers, backoff, failover and budget reservations. */
export class RemoteAttempts {
  readonly #parts: RemoteAttemptParts;
  /** Remotes that have called `onDispatch`: a failed attempt of theirs that never did was never sent. */
  readonly #reportsDispatch = new Set<string>();

  constructor(parts: RemoteAttemptParts) {
    this.#parts = parts;
  }

  /** Attempts `run` on its backend until one attempt answers or a fault may not be retried. */
  run(run: RemoteAttemptRun): Promise<ResultEnvelope> {
    const { router, lifetime, retry } = this.#parts;
    // The remotes this task failed on or was turned away by: a retry goes to one it has not tried, else the local pool.
    const tried = new Set<Backend>();
    return pRetry(() => this.#attemptOn(run, run.backend, tried), {
      ...backoff(retry),
      // destroy() ends a backoff at once: the task rejects with the lifetime's AbortError.
      signal: lifetime,
      shouldRetry: ({ error }) => {
        if (lifetime.aborted || run.signal?.aborted || !isInfrastructureFault(error)) return false;
        // A non-idempotent task runs again only where the fault proves it never started.
        if (!run.task.idempotent && !neverStarted(error)) return false;
        tried.add(run.backend);
        run.failingOver(error, router.failover(run.backend, run.task, run.timeoutMs, run.data, tried));
        return true;
      },
    });
  }

  /** One attempt on `backend`; `tried` holds the remotes the task failed on or was turned away by so far. */
  async #attemptOn(run: RemoteAttemptRun, backend: Backend, tried: Set<Backend>): Promise<ResultEnvelope> {
    const { local, router } = this.#parts;
    if (backend !== local && !router.admits(backend, run.timeoutMs, router.transferUsd(backend, run.data))) {
      const refusedByBudget = this.#budgetError(run, backend);
      if (run.pinned) throw refusedByBudget;
      run.failingOver(refusedByBudget, local);
      return this.#attemptOn(run, local, tried);
    }
    const envelope = run.nextEnvelope();
    if (backend === local) {
      // Failover to the pool, as a promise (the hot path hands the run itself to `submit`).
      return new Promise<ResultEnvelope>((resolve, reject) => {
        local.submit(
          envelope,
          { signal: run.signal, task: run.task, chunkSize: run.chunkSize },
          {
            dispatched: (now) => run.dispatched(now),
            settled: (error, result, workerId) => {
              run.answeredBy(workerId);
              if (error === undefined) resolve(result as ResultEnvelope);
              else reject(error);
            },
          },
        );
      });
    }
    run.dispatched();
    try {
      return await this.#billedAttempt(run, backend, envelope);
    } catch (error) {
      if ((error as OffloadError).code !== 'ERR_CIRCUIT_OPEN' || this.#parts.lifetime.aborted || run.signal?.aborted) throw error;
      // The breaker opened after the attempt was placed (during a backoff, or by another task's answer): the attempt
      // never started, so it fails over at once without spending a retry; each remote turns it away once, then the pool takes it.
      tried.add(backend);
      const next = router.failover(backend, run.task, run.timeoutMs, run.data, tried);
      run.failingOver(error as OffloadError, next);
      return this.#attemptOn(run, next, tried);
    }
  }

  /** One attempt on a remote, holding its reservation in the ledger until it settles, then billed for what ran; watched for a stall once sent. */
  async #billedAttempt(run: RemoteAttemptRun, backend: Backend, envelope: TaskEnvelope): Promise<ResultEnvelope> {
    const { ledger, breakers, lifetime, router, stalls } = this.#parts;
    const signal = run.signal === undefined ? lifetime : AbortSignal.any([run.signal, lifetime]);
    const transferUsd = router.transferUsd(backend, run.data);
    const reservation = ledger.reserve(backend, run.timeoutMs, transferUsd);
    let sentAt: number | undefined;
    let endWatch: EndWatch | undefined;
    // Attempts invoked before the backend first reported a dispatch are taken as sent at `invoke`, then
    // again at their `onDispatch`; until then, one found waiting in the backend's queue is not stalled.
    const queued = (): boolean => this.#reportsDispatch.has(backend.name);
    const sent = (fromQueue: boolean): void => {
      sentAt = performance.now();
      run.remoteSent(sentAt);
      endWatch?.(false);
      endWatch = stalls.sent(backend, run.task, envelope, sentAt, fromQueue ? undefined : queued);
    };
    const onDispatch = (): void => {
      this.#reportsDispatch.add(backend.name);
      sent(true);
    };
    const onStorageUsd = (usd: number): void => ledger.charged(backend, usd);
    let invokedAt: number | undefined;
    const invoke = (): Promise<ResultEnvelope> => {
      // A backend that never reports dispatch is taken to send at once.
      if (!this.#reportsDispatch.has(backend.name)) sent(false);
      invokedAt = performance.now();
      router.attemptStarted(backend);
      return backend.invoke(envelope, { signal, task: run.task, onDispatch, onStorageUsd });
    };
    const breaker = breakers.get(backend.name) as BackendBreaker;
    run.remoteAttempt(breaker.state(), (ledger.estimateUsd(backend, run.task) ?? 0) + transferUsd);
    try {
      const result = await breaker.fire(invoke);
      endWatch?.(true);
      ledger.settled(reservation, result.durationMs, result.coldStartMs);
      ledger.measured(backend, run.task.name, result.durationMs);
      const { durationMs: runMs, coldStartMs } = result;
      const wallMs = performance.now() - (sentAt ?? invokedAt ?? performance.now());
      router.attemptSettled(backend, { task: run.task.name, runMs, wallMs, ...(coldStartMs === undefined ? {} : { coldStartMs }) });
      return result;
    } catch (error) {
      endWatch?.(false);
      // A fault that proves the attempt never started (throttled, refused) leaves no environment behind.
      if (invokedAt !== undefined) {
        if (neverStarted(error)) router.attemptReleased(backend);
        else router.attemptSettled(backend);
      }
      ledger.settled(reservation, failedAttemptMs(error, sentAt, reservation.boundMs));
      throw backendFailure(backend.name, error);
    }
  }

  #budgetError(run: RemoteAttemptRun, backend: Backend): CapacityError {
    const { ledger, cost } = this.#parts;
    const transferUsd = this.#parts.router.transferUsd(backend, run.data);
    const reserve = (ledger.reserveUsd(backend, run.timeoutMs) ?? 0) + transferUsd;
    const spend = ledger.committed();
    const budgets = [
      cost.budgetUsd === undefined ? '' : `cost.budgetUsd $${cost.budgetUsd} (billed and reserved: $${spend.totalUsd.toPrecision(3)})`,
      cost.budgetUsdPerHour === undefined ? '' : `cost.budgetUsdPerHour $${cost.budgetUsdPerHour} (last hour: $${spend.lastHourUsd.toPrecision(3)})`,
    ].filter(Boolean);
    return new CapacityError(
      `Expected the budget to leave room for one more attempt of task "${run.task.name}" on "${backend.name}", which reserves $${reserve.toPrecision(3)} ` +
        `(its ${run.timeoutMs === undefined ? "backend's longest billed run" : `timeoutMs of ${run.timeoutMs} ms`} at the backend's price${transferUsd > 0 ? `, and $${transferUsd.toPrecision(3)} to move its data from ${run.data?.region} to the backend's region` : ''}), but ${budgets.join(' and ')} leaves no room: ` +
        `raise the budget, give the task a shorter timeoutMs, or use placement 'auto' to run it locally`,
      { code: 'ERR_BUDGET_EXHAUSTED', retryable: false, taskName: run.task.name, backend: backend.name },
    );
  }
}
