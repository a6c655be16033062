/**
 * One modelled function fleet as a pure state machine over a clock the
 * caller passes in: which execution environment serves a request (a warm
 * idle one, or a new one that cold-starts), when environments are reclaimed
 * (idle longer than `warmMs`), and when the front end refuses (concurrency
 * limit, scaling rate) or makes a request wait (Cloud Run at max instances).
 * The live front (front.ts) drives it with `performance.now()`, the
 * simulator with simulated time; both draw from a seeded {@link Random}.
 */
import { type Random, uniform } from '../simulate/random.js';
import type { FleetParams } from './params.js';

/** Why the front end refused a request (a Lambda `Reason`; Cloud Run answers a bare 429). */
export type ThrottleReason = 'ConcurrentInvocationLimitExceeded' | 'ScalingRateExceeded' | 'QueueTimeout';

/** What the front end does with one request. */
export type Admission =
  /** Runs on `env`; `initMs` > 0 when the environment is new (a cold start). */
  | { kind: 'run'; env: number; cold: boolean; initMs: number }
  /** Waits for an instance (Cloud Run at max instances) under `ticket`. */
  | { kind: 'queued'; ticket: number }
  /** Refused with a 429. */
  | { kind: 'throttled'; reason: ThrottleReason };

/** A fleet's counters, as the model reports them. */
export interface FleetState {
  /** Live environments (busy + idle, reclaimed ones not counted). */
  environments: number;
  /** Environments running a request. */
  busy: number;
  /** Requests admitted so far (warm + cold). */
  invocations: number;
  /** Environments started so far (one cold start each). */
  coldStarts: number;
  /** Environments reclaimed after idling longer than `warmMs`. */
  reclaimed: number;
  /** Requests refused, by reason. */
  throttled: Record<ThrottleReason, number>;
  /** Requests waiting for an instance now. */
  queued: number;
  /** Billed so far, USD. */
  billedUsd: number;
}

/** A request handed an environment when another one finished. */
export interface Handoff {
  ticket: number;
  admission: Extract<Admission, { kind: 'run' }>;
}

/** A modelled fleet. */
export class Fleet {
  readonly params: FleetParams;
  readonly #random: Random;
  /** Idle environments as [env, idle since], oldest first (releases come in time order). */
  readonly #idle: [number, number][] = [];
  readonly #waiting: number[] = [];
  #busy = 0;
  #nextEnv = 0;
  #nextTicket = 0;
  #tokens: number;
  #refilledAt: number | undefined;
  readonly #state: FleetState;

  constructor(params: FleetParams, random: Random) {
    this.params = params;
    this.#random = random;
    this.#tokens = params.scaleEnvironments;
    this.#state = {
      environments: 0,
      busy: 0,
      invocations: 0,
      coldStarts: 0,
      reclaimed: 0,
      throttled: { ConcurrentInvocationLimitExceeded: 0, ScalingRateExceeded: 0, QueueTimeout: 0 },
      queued: 0,
      billedUsd: 0,
    };
  }

  /** The counters now (a copy), after reclaiming what idled past `warmMs` by `now`. */
  state(now: number): FleetState {
    this.#reclaim(now);
    return { ...this.#state, throttled: { ...this.#state.throttled }, busy: this.#busy, queued: this.#waiting.length };
  }

  /** Draws one request's network round trip, ms. */
  networkMs(): number {
    return uniform(this.#random, this.params.networkMs);
  }

  /** Admits one request arriving at `now`. */
  admit(now: number): Admission {
    this.#reclaim(now);
    const warm = this.#idle.pop();
    if (warm !== undefined) return this.#run(warm[0], false);
    if (this.#state.environments >= this.params.maxConcurrency) {
      if (this.params.queueTimeoutMs > 0) {
        const ticket = this.#nextTicket++;
        this.#waiting.push(ticket);
        return { kind: 'queued', ticket };
      }
      return this.#throttle('ConcurrentInvocationLimitExceeded');
    }
    this.#refill(now);
    if (this.#tokens < 1) return this.#throttle('ScalingRateExceeded');
    this.#tokens--;
    this.#state.environments++;
    this.#state.coldStarts++;
    return this.#run(this.#nextEnv++, true);
  }

  /**
   * Ends the request on `env` at `now`, billing `billedMs`. A waiting request
   * takes the environment at once (returned); otherwise it idles.
   */
  release(env: number, now: number, billedMs: number): Handoff | undefined {
    this.#busy--;
    this.#state.billedUsd += priceOf(this.params, billedMs);
    const ticket = this.#waiting.shift();
    if (ticket !== undefined) return { ticket, admission: this.#run(env, false) };
    this.#idle.push([env, now]);
    return undefined;
  }

  /** Gives up the wait of `ticket` (its queue timeout passed): a 429. False when it was already handed an environment. */
  expire(ticket: number): boolean {
    const index = this.#waiting.indexOf(ticket);
    if (index === -1) return false;
    this.#waiting.splice(index, 1);
    this.#throttle('QueueTimeout');
    return true;
  }

  #run(env: number, cold: boolean): Extract<Admission, { kind: 'run' }> {
    this.#busy++;
    this.#state.invocations++;
    return { kind: 'run', env, cold, initMs: cold ? uniform(this.#random, this.params.coldStartMs) : 0 };
  }

  #throttle(reason: ThrottleReason): Admission {
    this.#state.throttled[reason]++;
    return { kind: 'throttled', reason };
  }

  #reclaim(now: number): void {
    let stale = 0;
    while (stale < this.#idle.length && now - this.#idle[stale][1] > this.params.warmMs) stale++;
    if (stale === 0) return;
    this.#idle.splice(0, stale);
    this.#state.environments -= stale;
    this.#state.reclaimed += stale;
  }

  #refill(now: number): void {
    const { scaleEnvironments, scalePerMs } = this.params;
    if (!Number.isFinite(scaleEnvironments)) return;
    if (this.#refilledAt !== undefined) {
      this.#tokens = Math.min(scaleEnvironments, this.#tokens + ((now - this.#refilledAt) * scaleEnvironments) / scalePerMs);
    }
    this.#refilledAt = now;
  }
}

/** Billed price of one request that ran `billedMs`, USD. */
export function priceOf(params: FleetParams, billedMs: number): number {
  const increment = params.billingIncrementMs;
  return params.usdPerRequest + Math.ceil(Math.max(0, billedMs) / increment) * increment * params.usdPerMs;
}
