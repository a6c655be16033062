/**
 * The simulator's latency predictions: the offloader's own
 * {@link LatencyPredictor} (warm-environment tracking and learned cold
 * start, network and run times per remote) on simulated time, seeded from
 * each remote model's parameters the way the adapters seed it from their
 * `latencyProfile` (range midpoints for cold start and network).
 */
import { LatencyPredictor, type RemotePrediction } from '../../src/scheduler/latency-predictor.js';
import type { RemoteLatencyProfile } from '../../src/scheduler/types.js';
import type { RemoteModel } from './types.js';

const midpoint = ([min, max]: readonly [number, number]): number => (min + max) / 2;

/** The latency priors of a remote model. */
function profileOf(model: RemoteModel): RemoteLatencyProfile {
  return { coldStartMs: midpoint(model.coldStartMs), speedFactor: model.speedFactor, warmMs: model.warmMs, networkMs: midpoint(model.networkMs) };
}

/** An attempt on a remote, from its start to its answer. */
interface Attempt {
  remote: string;
  task: string;
  startedAt: number;
  runMs: number;
  coldStartMs: number;
}

/** The predictor of a simulated run, fed by the simulated attempts. */
export class SimulatedPredictions {
  readonly #predictor: LatencyPredictor;
  readonly #attempts = new Map<number, Attempt>();

  constructor(models: readonly RemoteModel[]) {
    this.#predictor = new LatencyPredictor(new Map(models.map((model) => [model.name, profileOf(model)])));
  }

  /** Predicted latency of `task` on `remote` at `now` and what it is made of, from its local estimate `baseRunMs`. */
  predict(remote: string, task: string, baseRunMs: number | undefined, now: number): RemotePrediction | undefined {
    return this.#predictor.predict(remote, task, baseRunMs, now);
  }

  /** Attempts in flight and warm idle environments of `remote` at `now`, as the predictor counts them. */
  environments(remote: string, now: number): { busy: number; warmIdle: number } | undefined {
    return this.#predictor.environments(remote, now);
  }

  /** Trace arrival `index` (a warm-up: a negative key) was sent to `remote` at `now`. */
  started(index: number, remote: string, task: string, now: number): void {
    this.#predictor.started(remote, now);
    this.#attempts.set(index, { remote, task, startedAt: now, runMs: 0, coldStartMs: 0 });
  }

  /** Arrival `index` got an environment: it runs `runMs` there after `coldStartMs` of INIT. */
  ran(index: number, runMs: number, coldStartMs: number): void {
    const attempt = this.#attempts.get(index);
    if (attempt === undefined) return;
    attempt.runMs = runMs;
    attempt.coldStartMs = coldStartMs;
  }

  /** Arrival `index` was answered at `now` (its wall time feeds the network estimate). */
  settled(index: number, now: number): void {
    const attempt = this.#attempts.get(index);
    if (attempt === undefined) return;
    this.#attempts.delete(index);
    const { remote, task, runMs, coldStartMs, startedAt } = attempt;
    this.#predictor.settled(remote, now, { task, runMs, wallMs: now - startedAt, ...(coldStartMs > 0 ? { coldStartMs } : {}) });
  }
}
