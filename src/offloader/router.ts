/**
 * The router: which backend an attempt goes to. First placement maps a
 * task's `placement` to a backend (asking the scheduler for `auto`);
 * failover picks where a retry goes after an infrastructure fault. Both read
 * the same live signals, built here in one way, and both ask the scheduler's
 * one eligibility rule whether a remote may take the attempt. It keeps the
 * {@link LatencyPredictor} of the remotes (fed by each remote attempt's
 * start and answer) and hands its predictions to the scheduler as inputs.
 */
import type { Backend } from '../backends/backend.js';
import type { LocalBackend } from '../backends/local/index.js';
import { ValidationError } from '../errors.js';
import type { BackendBreaker } from '../resilience/breaker.js';
import { LatencyPredictor, type RemoteMeasurement } from '../scheduler/latency-predictor.js';
import type { PrewarmPolicy, RemoteSignals, Scheduler, SchedulerSnapshot } from '../scheduler/types.js';
import type { ResolvedTaskDefinition } from '../task.js';
import { type DataPlace, regionOf } from './data-place.js';
import { Prewarmer, type PrewarmObserver } from './prewarmer.js';
import type { SpendLedger } from './spend-ledger.js';
import type { StatsRecorder } from './stats.js';
import type { Placement } from './types.js';

/** What a {@link Router} reads its signals from. */
export interface RouterParts {
  local: LocalBackend;
  /** The local pool's breaker (open during a worker crash storm). */
  localBreaker: BackendBreaker;
  remotes: readonly Backend[];
  /** The breaker of each remote, by name. */
  breakers: ReadonlyMap<string, BackendBreaker>;
  scheduler: Scheduler;
  ledger: SpendLedger;
  /** Measured latencies, for `cost.prefer: 'fastest'`. */
  stats: StatsRecorder;
  /** `auto` tasks may overflow: `burst` thresholds and at least one remote are configured. */
  autoOverflow: boolean;
  /** `cost.prefer` is `'fastest'`: the signals carry measured latencies. */
  prefersFastest: boolean;
  /** Hears each `auto` task the scheduler sends to a remote, with the pool's signals then (for the timeline). */
  onSpill?: (taskName: string, backend: string, queued: number, predictedWaitMs: number) => void;
  /** `cost.crossRegionUsdPerGb`. */
  crossRegionUsdPerGb: number;
  /** `burst.prewarm` with what warm-ups need: the caller's bundle hash, the offloader's lifetime and who hears what they do. */
  prewarm?: { policy: PrewarmPolicy; bundleHash: string; lifetime: AbortSignal; observer: PrewarmObserver };
}

/** Maps placements to backends and picks failover targets. */
export class Router {
  readonly #parts: RouterParts;
  readonly #predictor: LatencyPredictor;
  /** Attempts placed on each remote whose environment the predictor already counts, not yet sent. */
  readonly #claims = new Map<string, number>();
  readonly #prewarmer: Prewarmer | undefined;
  /** When the pool's current saturation began, as the `auto` placements saw it (undefined: not saturated at the last one). */
  #saturatedSince: number | undefined;

  constructor(parts: RouterParts) {
    this.#parts = parts;
    const profiles = parts.remotes.flatMap((remote) => (remote.latencyProfile === undefined ? [] : [[remote.name, remote.latencyProfile] as const]));
    this.#predictor = new LatencyPredictor(new Map(profiles));
    const { prewarm } = parts;
    this.#prewarmer = prewarm === undefined ? undefined : new Prewarmer({ ...parts, ...prewarm, predictor: this.#predictor });
  }

  /**
   * A remote attempt was sent to `backend`: it holds one of its environments
   * (warm when one is idle). The scheduler's own placements count from the
   * moment they are decided, so tasks decided in the same tick see it.
   */
  attemptStarted(backend: Backend): void {
    const claimed = this.#claims.get(backend.name) ?? 0;
    if (claimed > 0) this.#claims.set(backend.name, claimed - 1);
    else this.#predictor.started(backend.name, performance.now());
  }

  /** A remote attempt on `backend` ended without reaching an environment (see `LatencyPredictor.released`). */
  attemptReleased(backend: Backend): void {
    this.#predictor.released(backend.name);
  }

  /** A remote attempt on `backend` settled; `measured` (when it answered) feeds the predictions. */
  attemptSettled(backend: Backend, measured?: RemoteMeasurement): void {
    this.#predictor.settled(backend.name, performance.now(), measured);
  }

  /**
   * Where a task goes first. `auto` asks the scheduler when `burst`
   * thresholds and remotes are configured, else stays local; `remote` is the
   * first remote; any other value names a backend.
   */
  place(placement: Placement, task: ResolvedTaskDefinition, timeoutMs: number | undefined, data?: DataPlace): Backend | ValidationError {
    const { local, remotes, autoOverflow } = this.#parts;
    if (placement === 'auto') return autoOverflow ? this.#schedule(task, timeoutMs, data) : local;
    if (placement === 'local' || placement === local.name) return local;
    const remote = placement === 'remote' ? remotes[0] : remotes.find((backend) => backend.name === placement);
    if (remote !== undefined) return remote;
    const known = [local.name, ...remotes.map((backend) => backend.name)].map((name) => `"${name}"`).join(', ');
    return new ValidationError(
      placement === 'remote'
        ? 'Expected a remote for `placement: "remote"`, but the offloader has none: pass backends in the `remotes` option'
        : `Expected \`placement\` to be "auto", "local", "remote" or a backend name (${known}), got ${JSON.stringify(placement)}`,
      { path: 'placement' },
    );
  }

  /**
   * Where a retry goes after `failed` had an infrastructure fault: another
   * remote, not in `tried` (the remotes this task already failed on), that
   * the scheduler finds eligible (moving the data priced in), one in the
   * data's region first, else the first in `remotes` order; else the local
   * pool.
   */
  failover(failed: Backend, task: ResolvedTaskDefinition, timeoutMs: number | undefined, data?: DataPlace, tried?: ReadonlySet<Backend>): Backend {
    const { local, remotes, scheduler, ledger } = this.#parts;
    const spend = ledger.committed();
    let first: Backend | undefined;
    for (const [index, signals] of this.#remoteSignals(task, timeoutMs, data).entries()) {
      if (remotes[index] === failed || tried?.has(remotes[index]) || !scheduler.eligible(signals, spend)) continue;
      if (data === undefined || signals.region === data.region) return remotes[index];
      first ??= remotes[index];
    }
    return first ?? local;
  }

  /** What moving the task's data to `remote` costs, USD (0 without a `dataRegion`). */
  transferUsd(remote: Backend, data: DataPlace | undefined): number {
    return data === undefined ? 0 : data.transferUsd(remote, this.#parts.crossRegionUsdPerGb);
  }

  /**
   * True when the budgets leave room for one more attempt with `timeoutMs`
   * on `remote` moving data for `transferUsd` (the budget part of the scheduler's eligibility, for an
   * attempt that is already placed there); fires `budgetExhausted` when not.
   */
  admits(remote: Backend, timeoutMs: number | undefined, transferUsd = 0): boolean {
    const { scheduler, ledger } = this.#parts;
    const reserveUsd = (ledger.reserveUsd(remote, timeoutMs) ?? 0) + transferUsd;
    if (!scheduler.budgetExhausted(ledger.committed(), reserveUsd)) return true;
    ledger.checkBudget(reserveUsd);
    return false;
  }

  /** The scheduler's choice for an `auto` task, from the live signals. */
  #schedule(task: ResolvedTaskDefinition, timeoutMs: number | undefined, data: DataPlace | undefined): Backend {
    const { local, localBreaker, remotes, scheduler, ledger } = this.#parts;
    const pool = local.snapshot();
    const snapshot: SchedulerSnapshot = {
      local: { queueDepth: pool.queued, predictedWaitMs: pool.predictedWaitMs, breaker: localBreaker.state() },
      remotes: [],
      spend: ledger.committed(),
    };
    const now = performance.now();
    this.#prewarmer?.observe(pool.queued, now);
    // Remote signals cost a little to gather: only when the pool is saturated.
    if (!scheduler.saturated(snapshot)) {
      this.#saturatedSince = undefined;
      return local;
    }
    this.#saturatedSince ??= now;
    snapshot.local.saturatedForMs = now - this.#saturatedSince;
    snapshot.local.predictedRunMs = local.durations.estimateMs(task.name, task.expectedDurationMs);
    snapshot.remotes = this.#remoteSignals(task, timeoutMs, data);
    if (data !== undefined) snapshot.dataRegion = data.region;
    const decision = scheduler.decide(snapshot);
    if (decision === 'queue') ledger.checkBudget(Math.min(...snapshot.remotes.map((remote) => remote.reserveUsd ?? 0)));
    const remote = remotes.find((backend) => backend.name === decision);
    if (remote === undefined) return local;
    this.#predictor.started(remote.name, performance.now());
    this.#claims.set(remote.name, (this.#claims.get(remote.name) ?? 0) + 1);
    this.#parts.onSpill?.(task.name, remote.name, pool.queued, pool.predictedWaitMs);
    return remote;
  }

  /** The live signals of every remote for `task` with `timeoutMs`, in `remotes` order: the one way both placement and failover see them. */
  #remoteSignals(task: ResolvedTaskDefinition, timeoutMs: number | undefined, data?: DataPlace): RemoteSignals[] {
    const { remotes, breakers, ledger, stats, prefersFastest } = this.#parts;
    const measured = prefersFastest ? stats.snapshot() : undefined;
    const baseRunMs = this.#parts.local.durations.estimateMs(task.name, task.expectedDurationMs);
    const now = performance.now();
    return remotes.map((remote) => {
      // Moving the task's data to a remote in another region is priced into both figures.
      const transferUsd = this.transferUsd(remote, data);
      const prediction = this.#predictor.predict(remote.name, task.name, baseRunMs, now);
      // An expected cold start is priced in (its INIT is billed), so a warm remote ranks before a cold one.
      const estimatedCostUsd = ledger.estimateUsd(remote, task, prediction?.coldStartMs);
      const reserveUsd = ledger.reserveUsd(remote, timeoutMs);
      return {
        name: remote.name,
        inFlight: ledger.inFlight(remote.name),
        maxConcurrency: remote.maxConcurrency,
        breaker: breakers.get(remote.name)?.state() ?? 'closed',
        estimatedCostUsd: estimatedCostUsd === undefined && transferUsd === 0 ? undefined : (estimatedCostUsd ?? 0) + transferUsd,
        reserveUsd: reserveUsd === undefined && transferUsd === 0 ? undefined : (reserveUsd ?? 0) + transferUsd,
        expectedLatencyMs: measured?.[remote.name]?.succeeded ? measured[remote.name].latencyMs.p50 : undefined,
        predictedLatencyMs: prediction?.latencyMs,
        predictedColdStartMs: prediction?.coldStartMs,
        region: regionOf(remote),
      };
    });
  }
}
