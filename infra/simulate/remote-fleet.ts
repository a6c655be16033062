/**
 * One simulated function fleet: its execution environments (warm for
 * `warmMs` after their last run, then reclaimed), in-flight count and
 * billing, following a {@link RemoteModel}.
 */
import { type Random, uniform } from './random.js';
import type { RemoteModel } from './types.js';

/** What starting one attempt on the fleet gave. */
export interface RemoteRun {
  /** Environment index that runs it. */
  env: number;
  /** Time from dispatch to result, ms. */
  latencyMs: number;
  /** Billed price of the run, USD. */
  costUsd: number;
  /** A new environment was started for it. */
  cold: boolean;
}

/** A fleet of execution environments of one remote. */
export class RemoteFleet {
  readonly model: RemoteModel;
  /** Attempts in flight. */
  inFlight = 0;
  /** Cold starts so far. */
  coldStarts = 0;
  /**
   * The idle environments, as [env, idle since] pairs, most recently idle
   * last: results settle in time order, so the stack stays sorted and the
   * top is the one warm environment to reuse (or all of them are reclaimed).
   */
  readonly #idle: [number, number][] = [];
  #environments = 0;

  constructor(model: RemoteModel) {
    this.model = model;
  }

  /** Price of a run billed for `runMs`, USD. */
  priceUsd(runMs: number): number {
    const increment = this.model.billingIncrementMs;
    const billed = increment > 0 ? Math.ceil(Math.max(0, runMs) / increment) * increment : Math.max(0, runMs);
    return this.model.usdPerRequest + billed * this.model.usdPerMs;
  }

  /** Starts one attempt of a task that runs `durationMs` locally, at `now`. */
  start(now: number, durationMs: number, random: Random): RemoteRun {
    const { model } = this;
    this.inFlight++;
    const top = this.#idle.at(-1);
    const cold = top === undefined || now - top[1] > model.warmMs;
    let env: number;
    if (cold) {
      // Every idle environment is older than the warm period: reclaimed; one of their slots is reused.
      env = this.#idle.length > 0 ? this.#idle[0][0] : this.#environments++;
      this.#idle.length = 0;
      this.coldStarts++;
    } else env = (this.#idle.pop() as [number, number])[0];
    const initMs = cold ? uniform(random, model.coldStartMs) : 0;
    const runMs = durationMs * model.speedFactor;
    const latencyMs = uniform(random, model.networkMs) + initMs + runMs;
    return { env, latencyMs, costUsd: this.priceUsd(model.billsInit ? runMs + initMs : runMs), cold };
  }

  /** Settles the attempt that ran on `env`, at `now`. */
  finish(env: number, now: number): void {
    this.inFlight--;
    this.#idle.push([env, now]);
  }
}
