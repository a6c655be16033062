/**
 * Hedging of stragglers, offloader-wide: what it has learned (each task's
 * durations per backend), where a backup goes, what backups may cost, and
 * the counts `stats().hedges` reports. One {@link HedgeWatch} per task
 * (only for idempotent tasks with a `hedge`) runs the race itself.
 *
 * Where a backup goes: the local pool when the straggler is on a remote and
 * the pool has an idle worker (no queue, fewer attempts running than
 * workers, breaker not open), since it costs nothing; else the remote
 * failover would pick (another one the scheduler finds eligible: breaker,
 * concurrency, budget; in the data's region first, else in `remotes`
 * order), when its reservation (run bound and data move) fits in the task's
 * `hedge.maxExtraCost` and the `cost` budgets. Else no backup is sent.
 */
import type { Backend } from '../backends/backend.js';
import type { HedgeOptions } from '../hedge-options.js';
import { HedgeHistory } from './hedge-history.js';
import { type HedgedRun, type HedgerParts, HedgeWatch } from './hedge-watch.js';
import type { HedgeStats } from './stats.js';

/** What the backups of one task name have cost: billed, and reserved by those in flight, USD. */
interface ExtraAccount {
  billedUsd: number;
  reservedUsd: number;
}

/** The offloader's hedging. */
export class Hedger {
  readonly history = new HedgeHistory();
  readonly parts: HedgerParts;
  readonly #accounts = new Map<string, ExtraAccount>();
  readonly #counts: HedgeStats = { sent: 0, won: 0, skipped: 0, extraUsd: 0 };

  constructor(parts: HedgerParts) {
    this.parts = parts;
  }

  /**
   * A watch for `run` when it hedges: the call's `hedge` (false: none), else
   * its task's; undefined when neither asks for one or the task is not
   * idempotent (a backup would run it twice).
   */
  watch(run: HedgedRun, callHedge: HedgeOptions | false | undefined, callerSignal: AbortSignal | undefined): HedgeWatch | undefined {
    const options = callHedge === false ? undefined : (callHedge ?? run.task.hedge);
    if (options === undefined || !run.task.idempotent) return undefined;
    return new HedgeWatch(this, run, options, callerSignal);
  }

  /** Where a backup of `task`'s straggler on `straggler` goes (see the file's comment); undefined (counted as skipped) when nowhere. */
  target(straggler: Backend, run: HedgedRun, options: HedgeOptions): Backend | undefined {
    const { local, localBreaker, router, ledger } = this.parts;
    const { task, timeoutMs, data } = run;
    if (straggler !== local && localBreaker.state() !== 'open') {
      const pool = local.snapshot();
      if (pool.queued === 0 && pool.running < local.maxConcurrency) return local;
    }
    const remote = router.failover(straggler, task, timeoutMs, data);
    const account = this.account(task.name);
    const transferUsd = remote === local ? 0 : router.transferUsd(remote, data);
    const reserveUsd = remote === local ? 0 : (ledger.reserveUsd(remote, timeoutMs) ?? 0) + transferUsd;
    const withinExtra = options.maxExtraCost === undefined || account.billedUsd + account.reservedUsd + reserveUsd <= options.maxExtraCost;
    if (remote !== local && remote !== straggler && withinExtra && router.admits(remote, timeoutMs, transferUsd)) return remote;
    this.#counts.skipped++;
    return undefined;
  }

  /** What the backups of `taskName` have cost. */
  account(taskName: string): ExtraAccount {
    let account = this.#accounts.get(taskName);
    if (account === undefined) {
      account = { billedUsd: 0, reservedUsd: 0 };
      this.#accounts.set(taskName, account);
    }
    return account;
  }

  /** A backup was sent to `backend`. */
  sent(backend: Backend): void {
    this.#counts.sent++;
    this.parts.stats.dispatched(backend.name);
  }

  /** A backup of `taskName` settled, billed `usd`; `won` when it answered first. */
  settled(taskName: string, usd: number, won: boolean): void {
    this.account(taskName).billedUsd += usd;
    this.#counts.extraUsd += usd;
    if (won) this.#counts.won++;
  }

  /** The counts, for `stats()`. */
  stats(): HedgeStats {
    return { ...this.#counts };
  }
}
