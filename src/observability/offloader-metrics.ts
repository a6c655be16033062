/**
 * An offloader's metrics through the OpenTelemetry metrics API: counters of
 * tasks, attempts and warm-ups by backend, task and outcome, histograms of
 * queue, run and end-to-end time (ms), and observable gauges of the local
 * queue depth, the remote attempts in flight and the committed spend. Made
 * only when a meter provider is registered before the offloader is created
 * (the metrics API has no proxy: instruments made earlier stay no-ops).
 *
 * The counters are observable counters over spillway's own tallies: a task
 * adds to a number here, and the SDK reads the totals when its reader
 * collects. A synchronous `add` costs the SDK a sort and a JSON encoding of
 * the attributes per call, which made two counters per task cost no-op tasks
 * a measurable share of their throughput (`npm run bench`, metered row).
 * Each set of attributes is one object, made once and reused by the
 * histograms too. The tallies and the gauges are the meter's, shared by the
 * process's offloaders (see `meter-state.ts`).
 */
import { type Attributes, createNoopMeter, type Histogram, type Meter, metrics, ROOT_CONTEXT } from '@opentelemetry/api';
import { type MeterState, type MetricSignals, meterState, type Tally } from './meter-state.js';
import { ATTR, OUTCOME_OK, SCOPE } from './tracer.js';

/** Creates the metrics of one offloader; undefined when no meter provider is registered. */
export function createOffloaderMetrics(signals: MetricSignals): OffloaderMetrics | undefined {
  const meter = metrics.getMeter(SCOPE);
  if (meter instanceof createNoopMeter().constructor) return undefined;
  return new OffloaderMetrics(meter, signals);
}

/** The instruments of one offloader. */
export class OffloaderMetrics {
  readonly #state: MeterState;
  readonly #signals: MetricSignals;
  readonly #tallies: Map<string, Tally>;
  readonly #queueMs: Histogram;
  readonly #runMs: Histogram;
  readonly #taskMs: Histogram;

  constructor(meter: Meter, signals: MetricSignals) {
    this.#state = meterState(meter);
    this.#tallies = this.#state.tallies;
    this.#signals = signals;
    this.#state.live.add(signals);
    this.#queueMs = meter.createHistogram('spillway.queue.duration', { description: 'Time an attempt waited before dispatch', unit: 'ms' });
    this.#runMs = meter.createHistogram('spillway.run.duration', { description: 'Run time of a task where it ran', unit: 'ms' });
    this.#taskMs = meter.createHistogram('spillway.task.duration', { description: 'Time from submission to outcome', unit: 'ms' });
  }

  /** The tally of `backend`, `taskName` (absent for warm-ups), `outcome` (absent at dispatch) and `reason` (a hedge backup's). */
  #tally(backend: string, taskName: string | undefined, outcome: string | undefined, reason?: string): Tally {
    const key = `${backend}\0${taskName ?? ''}\0${outcome ?? ''}\0${reason ?? ''}`;
    let tally = this.#tallies.get(key);
    if (tally === undefined) {
      const attributes: Attributes = { [ATTR.backend]: backend };
      if (taskName !== undefined) attributes[ATTR.taskName] = taskName;
      if (outcome !== undefined) attributes[ATTR.outcome] = outcome;
      if (reason !== undefined) attributes[ATTR.attemptReason] = reason;
      tally = { attributes, tasks: 0, attempts: 0, prewarms: 0 };
      this.#tallies.set(key, tally);
    }
    return tally;
  }

  /** An attempt left the queue for `backend` after `queuedMs`. */
  dispatched(backend: string, taskName: string, queuedMs: number): void {
    this.#queueMs.record(queuedMs, this.#tally(backend, taskName, undefined).attributes, ROOT_CONTEXT);
  }

  /** An attempt failed with `code` and the task is tried again. */
  retried(backend: string, taskName: string, code: string): void {
    this.#tally(backend, taskName, code).attempts++;
  }

  /** A hedge backup on `backend` settled with `code` (`ok` or an error code) after running `runMs` (0: it did not run). */
  backupSettled(backend: string, taskName: string, code: string, runMs: number): void {
    const tally = this.#tally(backend, taskName, code, 'hedge');
    tally.attempts++;
    if (runMs > 0) this.#runMs.record(runMs, tally.attributes, ROOT_CONTEXT);
  }

  /** A warm-up on `backend` settled with `code` (`ok` or an error code). */
  warmUpSettled(backend: string, code: string): void {
    this.#tally(backend, undefined, code).prewarms++;
  }

  /** A task settled on `backend` with `code` (undefined: success); its last attempt settled with it. */
  settled(backend: string, taskName: string, code: string | undefined, latencyMs: number, runMs: number | undefined): void {
    const tally = this.#tally(backend, taskName, code ?? OUTCOME_OK);
    tally.tasks++;
    tally.attempts++;
    this.#taskMs.record(latencyMs, tally.attributes, ROOT_CONTEXT);
    if (runMs !== undefined) this.#runMs.record(runMs, tally.attributes, ROOT_CONTEXT);
  }

  /** The offloader closed: its gauges leave the sums; its counts stay. */
  close(): void {
    this.#state.live.delete(this.#signals);
  }
}
