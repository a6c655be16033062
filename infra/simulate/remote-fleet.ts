/**
 * One simulated function fleet: the cloud model's {@link Fleet} (the same
 * state machine the live model front runs) on simulated time, plus the
 * in-flight count the scheduler reads and the run time and bill of each
 * attempt.
 */
import { type Admission, Fleet, priceOf } from '../cloud-model/fleet.js';
import type { Random } from './random.js';
import type { RemoteModel } from './types.js';

/** What starting one attempt on the fleet gave: a run, a wait for an instance, or a throttle. */
export type RemoteStart =
  | {
      kind: 'run';
      /** Environment that runs it. */
      env: number;
      /** Time from the start (or the hand-over of an instance) to the result, ms. */
      latencyMs: number;
      /** Billed price of the run, USD. */
      costUsd: number;
      /** Run time there (local run time x `speedFactor`), ms. */
      runMs: number;
      /** INIT of the new environment it started, ms (0: warm). */
      initMs: number;
      /** It started a new environment (a cold start). */
      cold: boolean;
    }
  | { kind: 'queued'; ticket: number }
  | { kind: 'throttled' };

/** A fleet of execution environments of one remote. */
export class RemoteFleet {
  readonly model: RemoteModel;
  /** Attempts in flight (running or waiting for an instance). */
  inFlight = 0;
  readonly #fleet: Fleet;

  constructor(model: RemoteModel, random: Random) {
    this.model = model;
    this.#fleet = new Fleet(model, random);
  }

  /** Cold starts so far. */
  get coldStarts(): number {
    return this.#fleet.state(Number.NEGATIVE_INFINITY).coldStarts;
  }

  /** Price of a run billed for `runMs`, USD. */
  priceUsd(runMs: number): number {
    return priceOf(this.model, runMs);
  }

  /**
   * Starts one attempt of trace arrival `index` (a warm-up: a negative key) that runs `durationMs`
   * locally, decided at `now` and leaving the caller `sendDelayMs` later
   * (the caller's dispatch queue): its latency counts from `now`.
   */
  start(now: number, index: number, durationMs: number, sendDelayMs = 0): RemoteStart {
    const roundTripMs = this.#fleet.networkMs();
    const admission = this.#fleet.admit(now + sendDelayMs + roundTripMs / 2);
    // The wait to be sent counts in the attempt's latency like its network round trip.
    const networkMs = sendDelayMs + roundTripMs;
    if (admission.kind === 'throttled') return { kind: 'throttled' };
    this.inFlight++;
    if (admission.kind === 'queued') {
      this.#waiting.set(admission.ticket, { index, networkMs, durationMs });
      return admission;
    }
    return this.#run(admission, networkMs, durationMs);
  }

  /** Attempts waiting for an instance, by ticket. */
  readonly #waiting = new Map<number, { index: number; networkMs: number; durationMs: number }>();

  /**
   * Settles the attempt that ran on `env` at `now`. An attempt waiting for an
   * instance takes the environment: returned with its trace index, its
   * latency counted from `now`.
   */
  finish(env: number, now: number): { index: number; run: Extract<RemoteStart, { kind: 'run' }> } | undefined {
    this.inFlight--;
    const handoff = this.#fleet.release(env, now, 0);
    const waiting = handoff === undefined ? undefined : this.#waiting.get(handoff.ticket);
    if (handoff === undefined || waiting === undefined) return undefined;
    this.#waiting.delete(handoff.ticket);
    return { index: waiting.index, run: this.#run(handoff.admission, waiting.networkMs, waiting.durationMs) };
  }

  #run(admission: Extract<Admission, { kind: 'run' }>, networkMs: number, durationMs: number): Extract<RemoteStart, { kind: 'run' }> {
    const runMs = durationMs * this.model.speedFactor;
    const billedMs = this.model.billsInit ? runMs + admission.initMs : runMs;
    return {
      kind: 'run',
      env: admission.env,
      latencyMs: networkMs + admission.initMs + runMs,
      costUsd: this.priceUsd(billedMs),
      runMs,
      initMs: admission.initMs,
      cold: admission.cold,
    };
  }
}
