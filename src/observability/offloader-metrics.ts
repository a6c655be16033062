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
 * histograms too. The tallies, histograms and gauges are the meter's, shared by the
 * process's offloaders (see `meter-state.ts`).
 */
import { createNoopMeter, type Meter, metrics, ROOT_CONTEXT } from '@opentelemetry/api';
import { type MeterState, type MetricSignals, meterState, tallyOf } from './meter-state.js';
import { OUTCOME_OK, SCOPE } from './tracer.js';

/** Creates the metrics of one offloader; undefined when no meter provider is registered. */
export function createOffloaderMetrics(signals: MetricSignals): OffloaderMetrics | undefined {
  const meter = metrics.getMeter(SCOPE);
  if (meter instanceof createNoopMeter().constructor) return undefined;
  return new OffloaderMetrics(meter, signals);
}

/** The instruments of one offloader: the meter's (see `meter-state.ts`), with this offloader's gauges in their sums. */
export class OffloaderMetrics {
  readonly #state: MeterState;
  readonly #signals: MetricSignals;

  constructor(meter: Meter, signals: MetricSignals) {
    this.#state = meterState(meter);
    this.#signals = signals;
    this.#state.live.add(signals);
  }

  /** An attempt left the queue for `backend` after `queuedMs`. */
  dispatched(backend: string, taskName: string, queuedMs: number): void {
    this.#state.queueMs.record(queuedMs, tallyOf(this.#state, backend, taskName, undefined).attributes, ROOT_CONTEXT);
  }

  /** An attempt failed with `code` and the task is tried again. */
  retried(backend: string, taskName: string, code: string): void {
    tallyOf(this.#state, backend, taskName, code).attempts++;
  }

  /** A hedge backup on `backend` settled with `code` (`ok` or an error code) after running `runMs` (0: it did not run). */
  backupSettled(backend: string, taskName: string, code: string, runMs: number): void {
    const tally = tallyOf(this.#state, backend, taskName, code, 'hedge');
    tally.attempts++;
    if (runMs > 0) this.#state.runMs.record(runMs, tally.attributes, ROOT_CONTEXT);
  }

  /** A warm-up on `backend` settled with `code` (`ok` or an error code). */
  warmUpSettled(backend: string, code: string): void {
    tallyOf(this.#state, backend, undefined, code).prewarms++;
  }

  /** A task settled on `backend` with `code` (undefined: success); its last attempt settled with it. */
  settled(backend: string, taskName: string, code: string | undefined, latencyMs: number, runMs: number | undefined): void {
    const tally = tallyOf(this.#state, backend, taskName, code ?? OUTCOME_OK);
    tally.tasks++;
    tally.attempts++;
    this.#state.taskMs.record(latencyMs, tally.attributes, ROOT_CONTEXT);
    if (runMs !== undefined) this.#state.runMs.record(runMs, tally.attributes, ROOT_CONTEXT);
  }

  /** The offloader closed: its gauges leave the sums; its counts stay. */
  close(): void {
    this.#state.live.delete(this.#signals);
  }
}
