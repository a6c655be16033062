/**
 * Predicted latency of one task on each remote, learned from what the
 * remotes answered: expected cold start + network round trip + run time
 * there. Pure: no I/O and no clock (every call takes `now`), so the router
 * (with `performance.now()`) and the simulator (with simulated time) run the
 * same code, and the scheduler's `decide` reads its output as plain inputs.
 *
 * Warm environments are tracked per remote the way a function fleet keeps
 * them: each attempt in flight holds one environment; a settled attempt
 * leaves its environment idle, and an idle environment counts as warm until
 * it has idled `warmMs`. A new attempt expects no cold start while a warm
 * idle environment is left, else the remote's learned cold start.
 *
 * Every figure is a {@link MovingAverage}: run time per task and remote
 * (seeded by the local estimate, else `expectedDurationMs`, times the
 * remote's `speedFactor`), the cold start per remote (seeded by the
 * profile's `coldStartMs`, fed by the `coldStartMs` results report) and the
 * network per remote (seeded by `networkMs`, fed by wall time minus the
 * reported run and cold start).
 */
import { MovingAverage } from './moving-average.js';
import type { RemoteLatencyProfile } from './types.js';

/** Idle environments older than this many are forgotten (memory bound; far above any cap in practice). */
const MAX_IDLE = 10_000;

/** What a settled remote attempt measured. */
export interface RemoteMeasurement {
  /** The task's name. */
  task: string;
  /** Run time the remote reported (its result's `durationMs`), ms. */
  runMs: number;
  /** INIT time of a new environment the result reported (`coldStartMs`), ms; undefined: it ran warm. */
  coldStartMs?: number;
  /** Wall time from sending the attempt to its answer, ms. */
  wallMs: number;
}

/** What one remote's prediction is made of (for tests and the timeline). */
export interface RemotePrediction {
  /** Cold start expected for the next attempt, ms (0 while a warm environment is idle). */
  coldStartMs: number;
  /** Learned network round trip, ms. */
  networkMs: number;
  /** Learned (or scaled) run time of the task there, ms. */
  runMs: number;
  /** Warm idle environments now. */
  warmIdle: number;
  /** The sum: the predicted latency, ms. */
  latencyMs: number;
}

/** The learned state of one remote. */
class RemoteHistory {
  readonly profile: RemoteLatencyProfile;
  readonly coldStart: MovingAverage;
  readonly network: MovingAverage;
  readonly runs = new Map<string, MovingAverage>();
  /** Idle-since times of idle environments, oldest first. */
  readonly idle: number[] = [];
  busy = 0;

  constructor(profile: RemoteLatencyProfile) {
    this.profile = profile;
    this.coldStart = new MovingAverage(profile.coldStartMs);
    this.network = new MovingAverage(profile.networkMs);
  }

  /** Drops environments idle longer than the warm period at `now`. */
  reclaim(now: number): void {
    let stale = 0;
    while (stale < this.idle.length && now - this.idle[stale] > this.profile.warmMs) stale++;
    if (stale > 0) this.idle.splice(0, stale);
  }
}

/** Per-remote warm-environment tracking and learned latencies. */
export class LatencyPredictor {
  readonly #remotes = new Map<string, RemoteHistory>();

  /** `profiles`: each remote's priors, by backend name. */
  constructor(profiles: ReadonlyMap<string, RemoteLatencyProfile>) {
    for (const [name, profile] of profiles) this.#remotes.set(name, new RemoteHistory(profile));
  }

  /**
   * The predicted latency of `task` on `remote` at `now`: `baseRunMs` is its
   * run time on the local pool (else its `expectedDurationMs`), scaled by the
   * remote's speed factor until the remote has run it. Undefined for a
   * remote without a profile.
   */
  predict(remote: string, task: string, baseRunMs: number | undefined, now: number): RemotePrediction | undefined {
    const history = this.#remotes.get(remote);
    if (history === undefined) return undefined;
    history.reclaim(now);
    const warmIdle = history.idle.length;
    const coldStartMs = warmIdle > 0 ? 0 : (history.coldStart.value ?? 0);
    const networkMs = history.network.value ?? 0;
    const runMs = history.runs.get(task)?.value ?? (baseRunMs ?? 0) * history.profile.speedFactor;
    return { coldStartMs, networkMs, runMs, warmIdle, latencyMs: coldStartMs + networkMs + runMs };
  }

  /** An attempt was sent to `remote` at `now`: it takes a warm idle environment when one is left (the newest), else a new one. */
  started(remote: string, now: number): void {
    const history = this.#remotes.get(remote);
    if (history === undefined) return;
    history.reclaim(now);
    history.idle.pop();
    history.busy++;
  }

  /**
   * An attempt on `remote` ended without reaching an environment (throttled,
   * refused, unreachable): it holds none any more and leaves none idle. The
   * idle environment it may have taken when it started is not given back, so
   * the count errs towards cold starts.
   */
  released(remote: string): void {
    const history = this.#remotes.get(remote);
    if (history !== undefined) history.busy = Math.max(0, history.busy - 1);
  }

  /** An attempt on `remote` settled at `now`; `measured` (when it answered) feeds the estimates. */
  settled(remote: string, now: number, measured?: RemoteMeasurement): void {
    const history = this.#remotes.get(remote);
    if (history === undefined) return;
    history.busy = Math.max(0, history.busy - 1);
    history.idle.push(now);
    if (history.idle.length > MAX_IDLE) history.idle.shift();
    if (measured === undefined) return;
    const { task, runMs, coldStartMs = 0, wallMs } = measured;
    let run = history.runs.get(task);
    if (run === undefined) {
      run = new MovingAverage();
      history.runs.set(task, run);
    }
    run.record(runMs);
    if (coldStartMs > 0) history.coldStart.record(coldStartMs);
    history.network.record(Math.max(0, wallMs - runMs - coldStartMs));
  }

  /** Attempts in flight and warm idle environments of `remote` at `now` (undefined without a profile). */
  environments(remote: string, now: number): { busy: number; warmIdle: number } | undefined {
    const history = this.#remotes.get(remote);
    if (history === undefined) return undefined;
    history.reclaim(now);
    return { busy: history.busy, warmIdle: history.idle.length };
  }
}
