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
  /** Per environment: when it became idle, or -1 while busy. */
  readonly #idleSince: number[] = [];

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
    let env = -1;
    // The most recently idle warm environment takes it (reclaimed ones are skipped).
    let latestIdle = Number.NEGATIVE_INFINITY;
    for (let index = 0; index < this.#idleSince.length; index++) {
      const since = this.#idleSince[index];
      if (since >= 0 && now - since <= model.warmMs && since > latestIdle) {
        latestIdle = since;
        env = index;
      }
    }
    const cold = env === -1;
    const initMs = cold ? uniform(random, model.coldStartMs) : 0;
    if (cold) {
      env = this.#idleSince.findIndex((since) => since >= 0 && now - since > model.warmMs);
      if (env === -1) env = this.#idleSince.push(-1) - 1;
      this.coldStarts++;
    }
    this.#idleSince[env] = -1;
    const runMs = durationMs * model.speedFactor;
    const latencyMs = uniform(random, model.networkMs) + initMs + runMs;
    return { env, latencyMs, costUsd: this.priceUsd(model.billsInit ? runMs + initMs : runMs), cold };
  }

  /** Settles the attempt that ran on `env`, at `now`. */
  finish(env: number, now: number): void {
    this.inFlight--;
    this.#idleSince[env] = now;
  }
}
