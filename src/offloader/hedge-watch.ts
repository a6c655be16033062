/**
 * The hedge of one task: a timer on each of its attempts (the task's own,
 * the "primary"), set to the learned percentile of its durations on the
 * attempt's backend; when it fires, one backup attempt goes elsewhere
 * (at most one per task). The first success wins: the other attempt is
 * cancelled through its AbortSignal and billed as it ran. A primary that
 * fails for good while the backup runs waits for the backup: its success
 * still wins, its failure releases the primary's error. Every outcome
 * reaches the task once: once the backup won, the primary's is dropped,
 * and once the primary settled, the backup's is.
 */
import type { Backend } from '../backends/backend.js';
import type { ResultEnvelope, TaskEnvelope } from '../contract/envelope.js';
import { decodeError } from '../contract/error-codec.js';
import { AbortError, BackendError, type OffloadError } from '../errors.js';
import type { HedgeOptions } from '../hedge-options.js';
import type { BackendBreaker } from '../resilience/breaker.js';
import type { ResolvedTaskDefinition } from '../task.js';
import type { DataPlace } from './data-place.js';
import type { TaskEventInfo } from './events.js';
import type { BackupParts } from './hedge-attempt.js';
import { type BackupOutcome, runBackup } from './hedge-attempt.js';
import type { HedgeHistory } from './hedge-history.js';
import type { Router } from './router.js';
import type { RunReporter } from './run-reporter.js';
import type { StatsRecorder } from './stats.js';
import type { TimelineRecorder } from './timeline-recorder.js';

/** The task run a {@link HedgeWatch} hedges. */
export interface HedgedRun {
  readonly task: ResolvedTaskDefinition;
  readonly timeoutMs: number | undefined;
  /** Where the task's data lives (its `dataRegion(input)`). */
  readonly data: DataPlace | undefined;
  /** Counts a backup attempt on `backend` and builds its envelope (its span starts when traced); throws when the input cannot be sent again. */
  backupEnvelope(backend: Backend): TaskEnvelope;
  /** The backup on `backend` settled after running `runMs`, failed with `error` or succeeded (undefined): its span ends, its metrics count. */
  backupEnded(backend: Backend, runMs: number, error: OffloadError | undefined): void;
  /** The backup on `backend` answered first with `result`: the task settles with it. */
  hedgeWon(backend: Backend, result: ResultEnvelope): void;
  /** The backup failed after the primary failed for good: the task fails with the primary's `error`. */
  releaseFailure(error: OffloadError): void;
  info(): TaskEventInfo;
}

/** What the offloader's hedging works with. */
export interface HedgerParts extends BackupParts {
  localBreaker: BackendBreaker;
  router: Router;
  stats: StatsRecorder;
  reporter: RunReporter;
  timeline: TimelineRecorder | undefined;
  /** Aborts when the offloader is destroyed: every backup is cancelled. */
  lifetime: AbortSignal;
}

/** What a watch asks of the offloader's hedger. */
interface HedgeHost {
  readonly history: HedgeHistory;
  readonly parts: HedgerParts;
  target(straggler: Backend, run: HedgedRun, options: HedgeOptions): Backend | undefined;
  account(taskName: string): { reservedUsd: number };
  sent(backend: Backend): void;
  settled(taskName: string, usd: number, won: boolean): void;
}

/** watching: no backup yet; backup: one runs; spent: it failed, the primary runs on; won: the backup won; over: the primary settled. */
type HedgeState = 'watching' | 'backup' | 'spent' | 'won' | 'over';

/** The hedge of one task run. */
export class HedgeWatch {
  /** The primary attempts' signal: the caller's, and the hedge's cancellation of the loser. */
  readonly signal: AbortSignal;
  readonly #host: HedgeHost;
  readonly #run: HedgedRun;
  readonly #options: HedgeOptions;
  readonly #caller: AbortSignal | undefined;
  readonly #primary = new AbortController();
  #state: HedgeState = 'watching';
  #timer: NodeJS.Timeout | undefined;
  #armedOn: Backend | undefined;
  #armedAt = 0;
  #backup: AbortController | undefined;
  #held: OffloadError | undefined;

  constructor(host: HedgeHost, run: HedgedRun, options: HedgeOptions, caller: AbortSignal | undefined) {
    this.#host = host;
    this.#run = run;
    this.#options = options;
    this.#caller = caller;
    this.signal = caller === undefined ? this.#primary.signal : AbortSignal.any([caller, this.#primary.signal]);
  }

  /** A primary attempt was dispatched to `backend` at `now`: its timer starts (until a backup was sent). */
  arm(backend: Backend, now: number): void {
    this.#armedOn = backend;
    this.#armedAt = now;
    if (this.#state !== 'watching') return;
    clearTimeout(this.#timer);
    const afterMs = this.#host.history.percentileMs(backend.name, this.#run.task.name, this.#options.afterPercentile);
    if (afterMs === undefined) return;
    this.#timer = setTimeout(() => this.#fire(backend, afterMs), Math.max(0, afterMs - (performance.now() - now)));
  }

  /** True once the backup won: the primary's outcomes are dropped. */
  get ignoresPrimary(): boolean {
    return this.#state === 'won';
  }

  /** The primary succeeded on `backend`: its duration is learned, a running backup is cancelled. */
  succeeded(backend: Backend): void {
    if (this.#state === 'won' || this.#state === 'over') return;
    if (this.#armedOn === backend) this.#host.history.record(backend.name, this.#run.task.name, performance.now() - this.#armedAt);
    this.#end();
  }

  /**
   * The primary failed for good with `error`: true when the task must wait
   * for the running backup (the caller did not abort); else the backup is
   * cancelled and false.
   */
  holds(error: OffloadError): boolean {
    if (this.#state === 'backup' && this.#caller?.aborted !== true && !this.#host.parts.lifetime.aborted) {
      this.#held = error;
      return true;
    }
    if (this.#state !== 'won') this.#end();
    return false;
  }

  #end(): void {
    this.#state = 'over';
    clearTimeout(this.#timer);
    this.#backup?.abort(new AbortError(`Task "${this.#run.task.name}" was answered by its other attempt: this hedge backup was cancelled`));
  }

  /** The primary on `straggler` ran past `afterMs`: sends the backup, if a backend can take it. */
  #fire(straggler: Backend, afterMs: number): void {
    this.#timer = undefined;
    const host = this.#host;
    const run = this.#run;
    if (this.#state !== 'watching' || host.parts.lifetime.aborted) return;
    const target = host.target(straggler, run, this.#options);
    if (target === undefined) return;
    let envelope: TaskEnvelope;
    try {
      envelope = run.backupEnvelope(target);
    } catch {
      // The input's buffers were transferred to a worker: it cannot be sent again.
      return;
    }
    this.#state = 'backup';
    this.#backup = new AbortController();
    const signals = [this.#backup.signal, host.parts.lifetime];
    if (this.#caller !== undefined) signals.push(this.#caller);
    host.sent(target);
    const { reporter } = host.parts;
    if (reporter.listening('hedge')) {
      reporter.emit('hedge', { ...run.info(), backend: straggler.name, reason: 'hedge', attempt: envelope.attempt, hedgeBackend: target.name, afterMs });
    }
    const account = host.account(run.task.name);
    const createdAt = performance.now();
    runBackup(host.parts, {
      backend: target,
      envelope,
      task: run.task,
      timeoutMs: run.timeoutMs,
      transferUsd: target === host.parts.local ? 0 : host.parts.router.transferUsd(target, run.data),
      signal: AbortSignal.any(signals),
      onReserved: (usd) => {
        account.reservedUsd += usd;
      },
    }).then((outcome) => this.#backupSettled(target, envelope, createdAt, outcome));
  }

  #backupSettled(backend: Backend, envelope: TaskEnvelope, createdAt: number, outcome: BackupOutcome): void {
    const { result } = outcome;
    const won = this.#state === 'backup' && result?.ok === true;
    this.#host.settled(this.#run.task.name, outcome.billedUsd, won);
    const error = backupError(outcome, envelope);
    this.#run.backupEnded(backend, result?.durationMs ?? 0, error);
    this.#record(backend, envelope, createdAt, error, outcome);
    if (won) {
      if (outcome.dispatchedAt !== undefined) this.#host.history.record(backend.name, this.#run.task.name, performance.now() - outcome.dispatchedAt);
      // A straggler still running: its time so far is a lower bound of its duration, learned so the percentile does not drift down.
      if (this.#armedOn !== undefined && this.#held === undefined)
        this.#host.history.record(this.#armedOn.name, this.#run.task.name, performance.now() - this.#armedAt);
      this.#state = 'won';
      this.#run.hedgeWon(backend, result as ResultEnvelope);
      this.#primary.abort(new AbortError(`Task "${this.#run.task.name}" was answered by its hedge backup on "${backend.name}": this attempt was cancelled`));
      return;
    }
    if (this.#state !== 'backup') return;
    const held = this.#held;
    this.#state = 'spent';
    if (held === undefined) return;
    this.#state = 'over';
    this.#run.releaseFailure(held);
  }

  /** The backup's row on the timeline, with reason `hedge`. */
  #record(backend: Backend, envelope: TaskEnvelope, createdAt: number, error: OffloadError | undefined, outcome: BackupOutcome): void {
    const { timeline, ledger } = this.#host.parts;
    if (timeline === undefined) return;
    const { result } = outcome;
    timeline.attempt({
      taskName: envelope.task,
      taskId: envelope.id,
      attempt: envelope.attempt,
      backend: backend.name,
      workerId: outcome.workerId,
      createdAt,
      dispatchedAt: outcome.dispatchedAt,
      runMs: result?.durationMs ?? 0,
      outcome: error?.code ?? 'ok',
      estimatedUsd: backend === this.#host.parts.local ? undefined : ledger.estimateUsd(backend, this.#run.task),
      reason: 'hedge',
    });
  }
}

/** Why a backup failed (its transport error, or the task's error it answered with); undefined when it succeeded. */
function backupError({ result, error }: BackupOutcome, envelope: TaskEnvelope): OffloadError | undefined {
  if (result === undefined) return error ?? new BackendError(`Backend answered the hedge backup of task "${envelope.task}" without a result`);
  return result.ok ? undefined : decodeError(result.kind, result.error, { taskName: envelope.task });
}
