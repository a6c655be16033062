/**
 * `burst.prewarm`: when the local queue spikes, no-op warm-up invocations
 * (envelopes of {@link WARM_UP_TASK}) start environments on the preferred
 * remote, so they are warm when overflow begins. The rule (see
 * `PrewarmPolicy`; its pure part is ../scheduler/prewarm-rule.ts, which the
 * simulator runs too): at an `auto` placement the local queue is at least
 * `onQueueGrowth` deeper than at the start of the current one-second window;
 * then, unless the remote already has `maxEnvironments` environments busy
 * or likely warm (the latency predictor's count), `maxEnvironments` minus
 * its busy ones warm-ups go out at once, within its free concurrency
 * (concurrent requests are what start new environments; idle ones take
 * some). Each warm-up reserves its bound against the budgets like
 * an attempt, is billed what it ran (request fee, run time, the INIT it
 * reports) into the spend ledger, and holds one environment in the
 * predictor, which counts it warm once it answered.
 */
import type { Backend } from '../backends/backend.js';
import { serialize } from '../contract/codec.js';
import { ENVELOPE_VERSION, type TaskEnvelope, WARM_UP_TASK } from '../contract/envelope.js';
import type { BackendBreaker } from '../resilience/breaker.js';
import type { LatencyPredictor } from '../scheduler/latency-predictor.js';
import { checkSpike, NO_SPIKE_WINDOW, type SpikeWindow, WARM_UP_TIMEOUT_MS, warmUpsToSend } from '../scheduler/prewarm-rule.js';
import type { PrewarmPolicy, Scheduler } from '../scheduler/types.js';
import { failedAttemptMs } from './attempt-cost.js';
import type { SpendLedger } from './spend-ledger.js';
import type { StatsRecorder } from './stats.js';

/** What a {@link Prewarmer} works with. */
export interface PrewarmParts {
  policy: PrewarmPolicy;
  remotes: readonly Backend[];
  breakers: ReadonlyMap<string, BackendBreaker>;
  scheduler: Scheduler;
  ledger: SpendLedger;
  stats: StatsRecorder;
  predictor: LatencyPredictor;
  /** Content hash of the caller's task module (warm-ups carry it like any envelope). */
  bundleHash: string;
  /** Aborted when the offloader is destroyed: warm-ups in flight stop. */
  lifetime: AbortSignal;
}

/** Detects spikes of the local queue and warms the preferred remote. */
export class Prewarmer {
  readonly #parts: PrewarmParts;
  #window: SpikeWindow = NO_SPIKE_WINDOW;
  #sent = 0;

  constructor(parts: PrewarmParts) {
    this.#parts = parts;
  }

  /** An `auto` placement saw `queued` tasks in the local queue at `now` (`performance.now()`): warms the preferred remote on a spike. */
  observe(queued: number, now: number): void {
    const { predictor, ledger, scheduler, policy } = this.#parts;
    const check = checkSpike(this.#window, queued, now, policy.onQueueGrowth);
    this.#window = check.window;
    if (!check.spike) return;
    const remote = this.#preferred();
    const environments = remote === undefined ? undefined : predictor.environments(remote.name, now);
    if (remote === undefined || environments === undefined) return;
    const missing = warmUpsToSend(policy, { ...environments, freeConcurrency: remote.maxConcurrency - ledger.inFlight(remote.name) });
    if (missing === 0) return;
    // Its INIT is reserved apart, up to `maxBilledColdStartMs`.
    const reserveUsd = ledger.reserveUsd(remote, WARM_UP_TIMEOUT_MS) ?? 0;
    for (let sent = 0; sent < missing; sent++) {
      if (scheduler.budgetExhausted(ledger.committed(), reserveUsd)) return;
      void this.#warm(remote);
    }
  }

  /** The first remote with a latency profile (the predictor tracks its environments) whose breaker is not open. */
  #preferred(): Backend | undefined {
    const { remotes, breakers } = this.#parts;
    return remotes.find((remote) => remote.latencyProfile !== undefined && breakers.get(remote.name)?.state() !== 'open');
  }

  /** Sends one warm-up to `remote` and bills it; never rejects (a failed warm-up is billed as a failed attempt and otherwise ignored). */
  async #warm(remote: Backend): Promise<void> {
    const { ledger, stats, predictor, bundleHash, lifetime } = this.#parts;
    const reservation = ledger.reserve(remote, WARM_UP_TIMEOUT_MS);
    stats.prewarmed(remote.name);
    let sentAt = performance.now();
    predictor.started(remote.name, sentAt);
    const envelope: TaskEnvelope = {
      version: ENVELOPE_VERSION,
      id: `warm-up-${++this.#sent}`,
      task: WARM_UP_TASK,
      bundleHash,
      attempt: 1,
      input: serialize(null, 'input'),
      timeoutMs: WARM_UP_TIMEOUT_MS,
    };
    try {
      const result = await remote.invoke(envelope, { signal: lifetime, onDispatch: () => (sentAt = performance.now()) });
      ledger.settled(reservation, result.durationMs, result.coldStartMs);
      // A handler that predates warm-ups answers `unknown-task`: its environment started all the same.
      const { durationMs: runMs, coldStartMs } = result;
      const wallMs = performance.now() - sentAt;
      predictor.settled(remote.name, performance.now(), { task: WARM_UP_TASK, runMs, wallMs, ...(coldStartMs === undefined ? {} : { coldStartMs }) });
    } catch (error) {
      ledger.settled(reservation, failedAttemptMs(error, sentAt, reservation.boundMs));
      predictor.settled(remote.name, performance.now());
    }
  }
}
