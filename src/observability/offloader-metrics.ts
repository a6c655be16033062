/**
 * An offloader's metrics through the OpenTelemetry metrics API: counters of
 * tasks and attempts by backend, task and outcome, histograms of queue, run
 * and end-to-end time (ms), and observable gauges of the local queue depth,
 * the remote attempts in flight and the committed spend. Made only when a
 * meter provider is registered before the offloader is created (the metrics
 * API has no proxy: instruments made earlier stay no-ops).
 */
import { type BatchObservableCallback, type Counter, createNoopMeter, type Histogram, type Meter, metrics, type Observable } from '@opentelemetry/api';
import { ATTR, OUTCOME_OK, SCOPE } from './tracer.js';

/** The live figures the gauges read when a metric reader collects. */
export interface MetricSignals {
  /** Attempts waiting in the local pool. */
  localQueueDepth(): number;
  /** Remote backends' names and their attempts in flight. */
  remoteInFlight(): Iterable<readonly [backend: string, inFlight: number]>;
  /** Billed spend plus the estimates of remote attempts in flight, USD. */
  committedUsd(): number;
}

/** Creates the metrics of one offloader; undefined when no meter provider is registered. */
export function createOffloaderMetrics(signals: MetricSignals): OffloaderMetrics | undefined {
  const meter = metrics.getMeter(SCOPE);
  if (meter instanceof createNoopMeter().constructor) return undefined;
  return new OffloaderMetrics(meter, signals);
}

/** The instruments of one offloader. */
export class OffloaderMetrics {
  readonly #meter: Meter;
  readonly #tasks: Counter;
  readonly #attempts: Counter;
  readonly #prewarms: Counter;
  readonly #queueMs: Histogram;
  readonly #runMs: Histogram;
  readonly #taskMs: Histogram;
  readonly #gauges: Observable[];
  readonly #observe: BatchObservableCallback;

  constructor(meter: Meter, signals: MetricSignals) {
    this.#meter = meter;
    this.#tasks = meter.createCounter('spillway.tasks', { description: 'Tasks settled, by backend, task and outcome (ok or error code)', unit: '{task}' });
    this.#attempts = meter.createCounter('spillway.attempts', { description: 'Attempts settled, by backend, task and outcome', unit: '{attempt}' });
    this.#prewarms = meter.createCounter('spillway.prewarms', { description: 'Warm-ups of burst.prewarm settled, by backend and outcome', unit: '{warm-up}' });
    this.#queueMs = meter.createHistogram('spillway.queue.duration', { description: 'Time an attempt waited before dispatch', unit: 'ms' });
    this.#runMs = meter.createHistogram('spillway.run.duration', { description: 'Run time of a task where it ran', unit: 'ms' });
    this.#taskMs = meter.createHistogram('spillway.task.duration', { description: 'Time from submission to outcome', unit: 'ms' });
    const queueDepth = meter.createObservableGauge('spillway.local.queue_depth', { description: 'Attempts waiting in the local pool', unit: '{attempt}' });
    const inFlight = meter.createObservableGauge('spillway.remote.in_flight', { description: 'Remote attempts sent and not settled', unit: '{attempt}' });
    const spend = meter.createObservableGauge('spillway.spend.committed', { description: 'Billed spend plus in-flight estimates', unit: 'USD' });
    this.#gauges = [queueDepth, inFlight, spend];
    this.#observe = (result) => {
      result.observe(queueDepth, signals.localQueueDepth());
      for (const [backend, count] of signals.remoteInFlight()) result.observe(inFlight, count, { [ATTR.backend]: backend });
      result.observe(spend, signals.committedUsd());
    };
    meter.addBatchObservableCallback(this.#observe, this.#gauges);
  }

  /** An attempt left the queue for `backend` after `queuedMs`. */
  dispatched(backend: string, taskName: string, queuedMs: number): void {
    this.#queueMs.record(queuedMs, { [ATTR.backend]: backend, [ATTR.taskName]: taskName });
  }

  /** An attempt failed with `code` and the task is tried again. */
  retried(backend: string, taskName: string, code: string): void {
    this.#attempts.add(1, { [ATTR.backend]: backend, [ATTR.taskName]: taskName, [ATTR.outcome]: code });
  }

  /** A hedge backup on `backend` settled with `code` (`ok` or an error code) after running `runMs` (0: it did not run). */
  backupSettled(backend: string, taskName: string, code: string, runMs: number): void {
    const attributes = { [ATTR.backend]: backend, [ATTR.taskName]: taskName, [ATTR.outcome]: code, [ATTR.attemptReason]: 'hedge' };
    this.#attempts.add(1, attributes);
    if (runMs > 0) this.#runMs.record(runMs, attributes);
  }

  /** A warm-up on `backend` settled with `code` (`ok` or an error code). */
  warmUpSettled(backend: string, code: string): void {
    this.#prewarms.add(1, { [ATTR.backend]: backend, [ATTR.outcome]: code });
  }

  /** A task settled on `backend` with `code` (undefined: success); its last attempt settled with it. */
  settled(backend: string, taskName: string, code: string | undefined, latencyMs: number, runMs: number | undefined): void {
    const attributes = { [ATTR.backend]: backend, [ATTR.taskName]: taskName, [ATTR.outcome]: code ?? OUTCOME_OK };
    this.#tasks.add(1, attributes);
    this.#attempts.add(1, attributes);
    this.#taskMs.record(latencyMs, attributes);
    if (runMs !== undefined) this.#runMs.record(runMs, attributes);
  }

  /** Stops observing the gauges (the offloader closed). */
  close(): void {
    this.#meter.removeBatchObservableCallback(this.#observe, this.#gauges);
  }
}
