/**
 * Remote attempts of one task: each goes through the remote's breaker and is
 * counted in the spend ledger; an infrastructure fault is retried with p-retry
 * backoff, and each retry fails over to where the router says (the next
 * eligible remote, else the local pool), keeping the task id and counting attempts.
 */
import pRetry from 'p-retry';
import type { Backend } from '../backends/backend.js';
import type { LocalBackend } from '../backends/local/index.js';
import type { ResultEnvelope, TaskEnvelope } from '../contract/envelope.js';
import { BackendError, isOffloadError, type OffloadError } from '../errors.js';
import type { BackendBreaker } from '../resilience/breaker.js';
import { isInfrastructureFault, neverStarted } from '../resilience/faults.js';
import { backoff, type RetryOptions } from '../resilience/retry.js';
import type { ResolvedTaskDefinition } from '../task.js';
import type { Router } from './router.js';
import type { SpendLedger } from './spend-ledger.js';

/** The task run whose attempts go to remotes. */
export interface RemoteAttemptRun {
  readonly task: ResolvedTaskDefinition;
  readonly signal: AbortSignal | undefined;
  readonly chunkSize: number | undefined;
  /** The backend of the current attempt. */
  readonly backend: Backend;
  /** Builds the next attempt's envelope (counting the attempt). */
  nextEnvelope(): TaskEnvelope;
  /** The attempt left for its backend at `now` (`performance.now()`; default: when its envelope was built). */
  dispatched(now?: number): void;
  /** The remote attempt was sent with its breaker in `breakerState`, committing `estimatedUsd` (for its trace). */
  remoteAttempt(breakerState: string, estimatedUsd: number): void;
  /** The attempt failed with an infrastructure fault and goes to `next`. */
  failingOver(error: OffloadError, next: Backend): void;
}

/** What {@link RemoteAttempts} works with. */
export interface RemoteAttemptParts {
  local: LocalBackend;
  router: Router;
  ledger: SpendLedger;
  /** The breaker of each remote, by name. */
  breakers: ReadonlyMap<string, BackendBreaker>;
  retry: Required<RetryOptions>;
  /** Aborts when the offloader is destroyed. */
  lifetime: AbortSignal;
}

/** Runs a task's attempts on remotes, with breakers, backoff and failover. */
export class RemoteAttempts {
  readonly #parts: RemoteAttemptParts;

  constructor(parts: RemoteAttemptParts) {
    this.#parts = parts;
  }

  /** Attempts `run` on its backend until one attempt answers or a fault may not be retried. */
  run(run: RemoteAttemptRun): Promise<ResultEnvelope> {
    const { router, lifetime, retry } = this.#parts;
    return pRetry(() => this.#attemptOn(run, run.backend), {
      ...backoff(retry),
      shouldRetry: ({ error }) => {
        if (lifetime.aborted || run.signal?.aborted || !isInfrastructureFault(error)) return false;
        // A non-idempotent task runs again only where the fault proves it never started.
        if (!run.task.idempotent && !neverStarted(error)) return false;
        run.failingOver(error, router.failover(run.backend, run.task));
        return true;
      },
    });
  }

  async #attemptOn(run: RemoteAttemptRun, backend: Backend): Promise<ResultEnvelope> {
    const { local, ledger, breakers, lifetime } = this.#parts;
    const envelope = run.nextEnvelope();
    if (backend === local) {
      // Failover to the pool: its promise API (the hot path uses `submit`).
      return local.invoke(envelope, { signal: run.signal, task: run.task, chunkSize: run.chunkSize, onDispatch: () => run.dispatched(performance.now()) });
    }
    run.dispatched();
    const signal = run.signal === undefined ? lifetime : AbortSignal.any([run.signal, lifetime]);
    const estimatedUsd = ledger.started(backend, run.task);
    const breaker = breakers.get(backend.name) as BackendBreaker;
    run.remoteAttempt(breaker.state(), estimatedUsd);
    try {
      const result = await breaker.fire(() => backend.invoke(envelope, { signal, task: run.task }));
      ledger.settled(backend, result.durationMs, estimatedUsd);
      return result;
    } catch (error) {
      ledger.settled(backend, undefined, estimatedUsd);
      throw isOffloadError(error)
        ? error
        : new BackendError(`Backend "${backend.name}" failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
  }
}
