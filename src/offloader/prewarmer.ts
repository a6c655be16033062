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
 * predictor, which counts it warm once it answered (a throttled or refused
 * warm-up leaves none). What it does is reported to a {@link PrewarmObserver}
 * (the `prewarm` event, the timeline, spans and metrics).
 */
import type { Backend } from '../backends/backend.js';
import { serialize } from '../contract/codec.js';
import { ENVELOPE_VERSION, type TaskEnvelope, WARM_UP_TASK } from '../contract/envelope.js';
import { decodeError } from '../contract/error-codec.js';
import type { OffloadError } from '../errors.js';
import type { BackendBreaker } from '../resilience/breaker.js';
import { neverStarted } from '../resilience/faults.js';
import type { LatencyPredictor } from '../scheduler/latency-predictor.js';
import { checkSpike, NO_SPIKE_WINDOW, type SpikeWindow, WARM_UP_TIMEOUT_MS, warmUpsToSend } from '../scheduler/prewarm-rule.js';
import type { PrewarmPolicy, Scheduler } from '../scheduler/types.js';
import { failedAttemptMs } from './attempt-cost.js';
import { backendFailure } from './backend-failure.js';
import type { PrewarmInfo } from './events.js';
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
  /** Hears what the warm-ups do. */
  observer?: PrewarmObserver;
}

/** One warm-up that settled. */
interface WarmUpOutcome {
  /** The remote it went to. */
  backend: Backend;
  /** Its envelope's id (`warm-up-<n>`). */
  id: string;
  /** When it was created and when it left the remote's own queue, if it did (`performance.now()`). */
  createdAt: number;
  dispatchedAt: number | undefined;
  /** Run time the function reported, ms (0 when it did not answer). */
  runMs: number;
  /** INIT time of the environment it started, as reported, ms; undefined: it found a warm one or did not answer. */
  coldStartMs: number | undefined;
  /** What it failed with; undefined when the handler answered (`unknown-task` from one that predates warm-ups included). */
  error: OffloadError | undefined;
  /** What it was billed, USD. */
  billedUsd: number;
}

/** What hears the warm-ups: when they go out, and each one's outcome. */
export interface PrewarmObserver {
  sent(info: PrewarmInfo): void;
  settled(outcome: WarmUpOutcome): void;
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
    let sent = 0;
    for (; sent < missing && !scheduler.budgetExhausted(ledger.committed(), reserveUsd); sent++) void this.#warm(remote);
    if (sent > 0) this.#parts.observer?.sent({ backend: remote.name, warmUps: sent, queued, ...environments });
  }

  /** The first remote with a latency profile (the predictor tracks its environments) whose breaker is not open. */
  #preferred(): Backend | undefined {
    const { remotes, breakers } = this.#parts;
    return remotes.find((remote) => remote.latencyProfile !== undefined && breakers.get(remote.name)?.state() !== 'open');
  }

  /** Sends one warm-up to `remote` and bills it; never rejects (a failed warm-up is billed as a failed attempt and otherwise ignored). */
  async #warm(remote: Backend): Promise<void> {
    const { ledger, stats, predictor, bundleHash, lifetime, observer } = this.#parts;
    const reservation = ledger.reserve(remote, WARM_UP_TIMEOUT_MS);
    stats.prewarmed(remote.name);
    const createdAt = performance.now();
    let sentAt = createdAt;
    let dispatchedAt: number | undefined;
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
    const onDispatch = (): void => {
      sentAt = performance.now();
      dispatchedAt = sentAt;
    };
    const base = { backend: remote, id: envelope.id, createdAt };
    try {
      const result = await remote.invoke(envelope, { signal: lifetime, onDispatch });
      const billedUsd = ledger.settled(reservation, result.durationMs, result.coldStartMs);
      // A handler that predates warm-ups answers `unknown-task`: its environment started all the same.
      const { durationMs: runMs, coldStartMs } = result;
      const wallMs = performance.now() - sentAt;
      predictor.settled(remote.name, performance.now(), { task: WARM_UP_TASK, runMs, wallMs, ...(coldStartMs === undefined ? {} : { coldStartMs }) });
      const failed = result.ok || result.kind === 'unknown-task' ? undefined : decodeError(result.kind, result.error, { taskName: WARM_UP_TASK });
      observer?.settled({ ...base, dispatchedAt: dispatchedAt ?? sentAt, runMs, coldStartMs, error: failed, billedUsd });
    } catch (thrown) {
      const billedUsd = ledger.settled(reservation, failedAttemptMs(thrown, sentAt, reservation.boundMs));
      // A warm-up turned away (throttled, refused) started no environment.
      if (neverStarted(thrown)) predictor.released(remote.name);
      else predictor.settled(remote.name, performance.now());
      observer?.settled({ ...base, dispatchedAt, runMs: 0, coldStartMs: undefined, error: backendFailure(remote.name, thrown), billedUsd });
    }
  }
}
