/**
 * Per-backend counters and latency percentiles, kept in native
 * `perf_hooks` histograms (microsecond resolution, constant memory).
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** Percentiles of a latency, in milliseconds. */
export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Counters and latencies of one backend. */
export interface BackendStats {
  /** Attempts sent to this backend. */
  dispatched: number;
  /** Tasks that succeeded here. */
  succeeded: number;
  /** Tasks whose final attempt failed here. */
  failed: number;
  /** Attempts here that were retried. */
  retried: number;
  /** Attempts here that ran past their stall limit (each raised one `stall` event). */
  stalls: number;
  /** Time from submission to settlement of tasks settled here. */
  latencyMs: LatencySummary;
  /** Run time where the task ran (measured by the runtime). */
  runMs: LatencySummary;
}

/** What `offloader.stats()` returns. */
export interface OffloaderStats {
  /** Tasks submitted and not settled yet. */
  pending: number;
  /** Per backend name. */
  backends: Record<string, BackendStats>;
}

/** What `stats().hedges` reports. */
export interface HedgeStats {
  /** Backup attempts sent. */
  sent: number;
  /** Tasks whose backup answered first (the straggler was cancelled). */
  won: number;
  /** Stragglers that got no backup: no other backend could take one, or `maxExtraCost` or a budget left no room. */
  skipped: number;
  /** Billed for backup attempts so far, USD (the cancelled stragglers are billed to their own attempts, in `spend`). */
  extraUsd: number;
}

interface BackendRecorder {
  dispatched: number;
  succeeded: number;
  failed: number;
  retried: number;
  stalls: number;
  latency: RecordableHistogram;
  run: RecordableHistogram;
}

function toMicros(ms: number): number {
  return Math.max(1, Math.round(ms * 1000));
}

function summarize(histogram: RecordableHistogram): LatencySummary {
  if (histogram.count === 0) return { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  const ms = (micros: number) => Math.round(micros) / 1000;
  return {
    p50: ms(histogram.percentile(50)),
    p90: ms(histogram.percentile(90)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max),
    mean: ms(histogram.mean),
  };
}

/** Collects per-backend statistics. */
export class StatsRecorder {
  readonly #backends = new Map<string, BackendRecorder>();

  #get(backend: string): BackendRecorder {
    let recorder = this.#backends.get(backend);
    if (recorder === undefined) {
      recorder = { dispatched: 0, succeeded: 0, failed: 0, retried: 0, stalls: 0, latency: createHistogram(), run: createHistogram() };
      this.#backends.set(backend, recorder);
    }
    return recorder;
  }

  /** Makes a backend appear in the stats before it ran anything. */
  register(backend: string): void {
    this.#get(backend);
  }

  /** Counts an attempt sent to `backend`. */
  dispatched(backend: string): void {
    this.#get(backend).dispatched++;
  }

  /** Counts an attempt on `backend` that is tried again. */
  retried(backend: string): void {
    this.#get(backend).retried++;
  }

  /** Counts an attempt on `backend` that ran past its stall limit. */
  stalled(backend: string): void {
    this.#get(backend).stalls++;
  }

  /** Records a task's final outcome on `backend`: its latency from submission, and its run time when it ran. */
  settled(backend: string, ok: boolean, latencyMs: number, runMs: number | undefined): void {
    const recorder = this.#get(backend);
    if (ok) recorder.succeeded++;
    else recorder.failed++;
    recorder.latency.record(toMicros(latencyMs));
    if (runMs !== undefined) recorder.run.record(toMicros(runMs));
  }

  /** A snapshot of every backend's figures. */
  snapshot(): Record<string, BackendStats> {
    const result: Record<string, BackendStats> = {};
    for (const [name, recorder] of this.#backends) {
      result[name] = {
        dispatched: recorder.dispatched,
        succeeded: recorder.succeeded,
        failed: recorder.failed,
        retried: recorder.retried,
        stalls: recorder.stalls,
        latencyMs: summarize(recorder.latency),
        runMs: summarize(recorder.run),
      };
    }
    return result;
  }
}
