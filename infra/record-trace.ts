/**
 * Records an offloader's arrivals as a trace for `spillway simulate`: one
 * JSONL line per task that succeeded,
 * `{ "at": ms since recording started, "task": name, "durationMs": run ms }`.
 */
import type { Offloader } from '../src/offloader/types.js';

/** A trace being recorded; see {@link recordTrace}. */
export interface TraceRecorder {
  /** Stops listening and returns the trace so far, as JSONL (one line per task, by arrival, newline-terminated). */
  stop(): string;
}

/**
 * Starts recording the arrivals of `offloader` from its `dispatch` and
 * `success` events. A task's arrival is its first dispatch minus the time it
 * queued; its duration is the `runMs` of the attempt that succeeded. Failed
 * tasks are left out. Record on a local-only offloader to get local run
 * times (a remote's `runMs` is its own run time).
 *
 * @example
 * const recorder = recordTrace(offloader);
 * await offloader.map(resize, images);
 * await writeFile('trace.jsonl', recorder.stop());
 */
export function recordTrace(offloader: Pick<Offloader, 'on' | 'off'>): TraceRecorder {
  const started = performance.now();
  const arrivals = new Map<string, number>();
  const lines: { at: number; line: string }[] = [];
  const onDispatch = (info: { taskId: string; queuedMs: number }): void => {
    if (!arrivals.has(info.taskId)) arrivals.set(info.taskId, Math.max(0, performance.now() - started - info.queuedMs));
  };
  const onSuccess = (info: { taskId: string; taskName: string; runMs: number }): void => {
    const at = arrivals.get(info.taskId) ?? Math.max(0, performance.now() - started - info.runMs);
    arrivals.delete(info.taskId);
    const round = (ms: number) => Math.round(ms * 1000) / 1000;
    lines.push({ at, line: JSON.stringify({ at: round(at), task: info.taskName, durationMs: round(info.runMs) }) });
  };
  offloader.on('dispatch', onDispatch);
  offloader.on('success', onSuccess);
  return {
    stop() {
      offloader.off('dispatch', onDispatch);
      offloader.off('success', onSuccess);
      return lines
        .sort((a, b) => a.at - b.at)
        .map(({ line }) => `${line}\n`)
        .join('');
    },
  };
}
