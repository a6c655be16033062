/**
 * Records an offloader's arrivals as a trace for `spillway simulate`: one
 * JSONL line per task that succeeded,
 * `{ "at": ms since recording started, "task": name, "durationMs": run ms }`.
 * It reads the offloader's own timeline (`offloader.timeline()`), the one
 * recorder of what ran where.
 */
import type { Offloader } from '../src/offloader/types.js';

/** A trace being recorded; see {@link recordTrace}. */
export interface TraceRecorder {
  /** Returns the trace since `recordTrace` was called, as JSONL (one line per task, by arrival, newline-terminated). */
  stop(): string;
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

/**
 * Starts recording the arrivals of `offloader`, from its timeline: a task's
 * arrival is when its first attempt was created; its duration is the
 * `runMs` of the attempt that succeeded. Failed tasks, and tasks submitted
 * before this call, are left out; so are tasks whose first attempt fell out
 * of the timeline's bound (`timeline.maxAttempts`, default 100,000; with `0`
 * nothing is recorded). Record on a local-only offloader to get local run
 * times (a remote's `runMs` is its own run time).
 *
 * @example
 * const recorder = recordTrace(offloader);
 * await offloader.map(resize, images);
 * await writeFile('trace.jsonl', recorder.stop());
 */
export function recordTrace(offloader: Pick<Offloader, 'timeline'>): TraceRecorder {
  const from = offloader.timeline().takenAtMs;
  return {
    stop() {
      const arrivals = new Map<string, number>();
      const lines: { at: number; line: string }[] = [];
      for (const attempt of offloader.timeline().attempts) {
        if (attempt.attempt === 1 && attempt.createdMs >= from) arrivals.set(attempt.taskId, attempt.createdMs - from);
        const at = arrivals.get(attempt.taskId);
        if (attempt.outcome !== 'ok' || at === undefined) continue;
        lines.push({ at, line: JSON.stringify({ at: round(at), task: attempt.taskName, durationMs: round(attempt.runMs) }) });
      }
      return lines
        .sort((a, b) => a.at - b.at)
        .map(({ line }) => `${line}\n`)
        .join('');
    },
  };
}
