/**
 * `burst.prewarm` in simulated time: the offloader's rule
 * (src/scheduler/prewarm-rule.ts, the code `Prewarmer` runs) at every
 * `auto` placement. On a spike, warm-ups go to the first remote (the
 * preferred one: every simulated remote has a latency profile and its
 * breaker stays closed), each within the budget, which it reserves like an
 * attempt: a warm-up's 1,000 ms timeout plus the fleet's longest INIT at its
 * price. A warm-up takes an environment of the fleet like an attempt (a new
 * one cold-starts), holds one environment in the latency predictor, answers
 * after its network round trip and INIT, and leaves the environment warm.
 * It is billed its INIT (when the fleet bills INIT) and at least the fleet's
 * minimum billed duration (one billing increment: Lambda 1 ms, Cloud Run
 * functions 100 ms), into the run's cost. A throttled warm-up is not billed.
 */
import { WARM_UP_TASK } from '../../src/contract/envelope.js';
import { ValidationError } from '../../src/errors.js';
import { BurstPolicySchema } from '../../src/options.js';
import { checkSpike, NO_SPIKE_WINDOW, type SpikeWindow, WARM_UP_TIMEOUT_MS, warmUpsToSend } from '../../src/scheduler/prewarm-rule.js';
import type { PrewarmPolicy } from '../../src/scheduler/types.js';
import type { Completion } from './completion-heap.js';
import type { SimulatedPredictions } from './predicted-signals.js';
import type { RemoteFleet, RemoteStart } from './remote-fleet.js';

const PREWARM_SCHEMA = BurstPolicySchema.shape.prewarm.unwrap();

/** Parses `--prewarm maxEnvironments=4,onQueueGrowth=8` (both keys, whole numbers, as `burst.prewarm` takes them). */
export function parsePrewarm(text: string): PrewarmPolicy {
  const fields: Record<string, number> = {};
  for (const pair of text.split(',')) {
    const [key, value, extra] = pair.trim().split('=');
    fields[key] = value === undefined || extra !== undefined || value.trim() === '' ? Number.NaN : Number(value);
  }
  const parsed = PREWARM_SCHEMA.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const why = issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
    throw new ValidationError(
      `Expected \`--prewarm\` to be maxEnvironments=N,onQueueGrowth=M with whole numbers >= 1 such as maxEnvironments=4,onQueueGrowth=8 (${why}), got "${text}"`,
      { path: 'prewarm' },
    );
  }
  return parsed.data;
}

/** What a simulated run's pre-warming did. */
export interface SimPrewarmResult {
  /** Warm-ups sent (throttled ones included, as `stats().backends[name].prewarms` counts them). */
  sent: number;
  /** Warm-ups that started a new environment (part of the run's `coldStarts`). */
  coldStarts: number;
  /** Billed for warm-ups, USD (part of the run's cost). */
  costUsd: number;
}

/** What {@link SimPrewarm} works with in a simulated run. */
export interface PrewarmHost {
  /** The remote warm-ups go to (the first). */
  readonly fleet: RemoteFleet;
  readonly predictions: SimulatedPredictions;
  /** True when the budgets have room for `reserveUsd` more. */
  fits(reserveUsd: number): boolean;
  /** Moves `reservedUsd` of reservations out (negative: in) and bills `billedUsd`. */
  account(reservedUsd: number, billedUsd: number): void;
  /** The caller's wait to send a remote request decided at `now`, ms (its dispatch queue). */
  sendDelay(now: number): number;
  /** Schedules a completion. */
  push(completion: Completion): void;
  /** The next completion's tie-break number. */
  seq(): number;
}

/** The pre-warming state of one simulated run; warm-ups are keyed by negative numbers (arrivals by their index). */
export class SimPrewarm {
  readonly #policy: PrewarmPolicy;
  readonly #host: PrewarmHost;
  readonly #reserveUsd: number;
  #window: SpikeWindow = NO_SPIKE_WINDOW;
  readonly result: SimPrewarmResult = { sent: 0, coldStarts: 0, costUsd: 0 };

  constructor(policy: PrewarmPolicy, host: PrewarmHost) {
    this.#policy = policy;
    this.#host = host;
    const { model } = host.fleet;
    this.#reserveUsd = host.fleet.priceUsd(WARM_UP_TIMEOUT_MS + (model.billsInit ? model.coldStartMs[1] : 0));
  }

  /** True when `index` (a completion's or a hand-over's) is a warm-up's key. */
  static is(index: number): boolean {
    return index < 0;
  }

  /** An `auto` placement saw `queued` tasks in the local queue at `now`: on a spike, warm-ups go out. */
  observe(queued: number, now: number): void {
    const check = checkSpike(this.#window, queued, now, this.#policy.onQueueGrowth);
    this.#window = check.window;
    if (!check.spike) return;
    const { fleet, predictions } = this.#host;
    const environments = predictions.environments(fleet.model.name, now);
    if (environments === undefined) return;
    const missing = warmUpsToSend(this.#policy, {
      busy: environments.busy,
      warmIdle: environments.warmIdle,
      freeConcurrency: fleet.model.maxConcurrency - fleet.inFlight,
    });
    for (let sent = 0; sent < missing; sent++) {
      if (!this.#host.fits(this.#reserveUsd)) return;
      this.#send(now);
    }
  }

  #send(now: number): void {
    const { fleet, predictions } = this.#host;
    const key = -1 - this.result.sent++;
    const start = fleet.start(now, key, 0, this.#host.sendDelay(now));
    // A throttled request never started an environment: nothing reserved, billed or held.
    if (start.kind === 'throttled') return;
    this.#host.account(-this.#reserveUsd, 0);
    predictions.started(key, fleet.model.name, WARM_UP_TASK, now);
    if (start.kind === 'run') this.ran(key, now, start);
  }

  /** Warm-up `key` got an environment at `now` (at once, or handed over when one freed). */
  ran(key: number, now: number, run: Extract<RemoteStart, { kind: 'run' }>): void {
    const { model } = this.#host.fleet;
    if (run.cold) this.result.coldStarts++;
    // The runtime answers a warm-up at once (run time 0); the fleet bills at least one billing increment.
    this.#host.predictions.ran(key, 0, run.initMs);
    const costUsd = this.#host.fleet.priceUsd(Math.max(model.billingIncrementMs, model.billsInit ? run.initMs : 0));
    const at = now + run.latencyMs;
    this.#host.push({ at, seq: this.#host.seq(), remote: 0, env: run.env, index: key, task: WARM_UP_TASK, durationMs: 0, costUsd });
  }

  /** Warm-up `item` answered: its bill replaces its reservation, and the predictor counts its environment warm. */
  settled(item: Completion): void {
    this.result.costUsd += item.costUsd;
    this.#host.account(this.#reserveUsd, item.costUsd);
    this.#host.predictions.settled(item.index, item.at);
  }
}
