/**
 * Stall detection of remote attempts: an attempt without `timeoutMs` that
 * has not answered within its limit raises the offloader's `stall` event
 * once, naming the backend, as a stalled local attempt does. The limit is the
 * task's `stallAfterMs`, else the remote's, else the local pool's rule
 * applied to what the remote was seen to take: 10 × the p99 wall time of the
 * task's answered attempts there (sent to answered, so cold starts and the
 * network count), else its local p99 or `expectedDurationMs`, at least 30 s.
 * A remote function cannot be stopped from outside, so a stall is reported
 * only (`action: 'report'`); the attempt ends when it answers or when the
 * adapter's own request timeout passes.
 */
import type { Backend } from '../backends/backend.js';
import { DurationEstimator } from '../backends/local/duration-estimator.js';
import { defaultStallAfterMs, type StallInfo } from '../backends/local/stall-watch.js';
import type { TaskEnvelope } from '../contract/envelope.js';
import { MAX_TIMEOUT_MS } from '../contract/platform.js';
import type { ResolvedTaskDefinition } from '../task.js';

/** Ends the watch of one attempt; `answered`: it answered with a result envelope (its wall time is learned). */
export type EndWatch = (answered: boolean) => void;

/** Watches remote attempts for stalls and learns each remote's wall times per task. */
export class RemoteStallWatch {
  readonly #localDurations: DurationEstimator;
  readonly #listener: (stall: StallInfo) => void;
  /** Wall times of answered attempts, per remote name. */
  readonly #wallTimes = new Map<string, DurationEstimator>();

  /** `localDurations`: the local pool's run times (the fallback before a remote answered); `listener` hears each stall. */
  constructor(localDurations: DurationEstimator, listener: (stall: StallInfo) => void) {
    this.#localDurations = localDurations;
    this.#listener = listener;
  }

  /** The stall limit of an attempt of `task` with `envelope` on `remote`, ms; undefined when it has a `timeoutMs` (not watched). */
  limitMs(remote: Backend, task: ResolvedTaskDefinition, envelope: TaskEnvelope): number | undefined {
    if (envelope.timeoutMs !== undefined) return undefined;
    const explicit = task.stallAfterMs ?? remote.stallAfterMs;
    if (explicit !== undefined) return explicit;
    const p99 = this.#wallTimes.get(remote.name)?.p99Ms(task.name) ?? this.#localDurations.p99Ms(task.name) ?? task.expectedDurationMs;
    return defaultStallAfterMs(p99);
  }

  /**
   * Starts watching an attempt of `task` sent to `remote` at `sentAt`
   * (`performance.now()`); call the result once it settles. When its limit
   * passes while `queued()` is true, the attempt turned out to wait in the
   * backend's own queue: nothing is reported.
   */
  sent(remote: Backend, task: ResolvedTaskDefinition, envelope: TaskEnvelope, sentAt: number, queued?: () => boolean): EndWatch {
    const limitMs = this.limitMs(remote, task, envelope);
    // Past the longest Node timer (24.8 days) nothing is watched.
    if (limitMs === undefined || limitMs > MAX_TIMEOUT_MS) return (answered) => this.#answered(remote, task, sentAt, answered);
    let timer: NodeJS.Timeout;
    const check = (): void => {
      const runningMs = performance.now() - sentAt;
      // Node's timers may fire a fraction of a millisecond early by this clock.
      if (runningMs < limitMs) {
        timer = setTimeout(check, Math.ceil(limitMs - runningMs));
        timer.unref();
        return;
      }
      if (queued?.() === true) return;
      this.#listener({ taskName: task.name, taskId: envelope.id, backend: remote.name, runningMs, stallAfterMs: limitMs, action: 'report', retried: false });
    };
    timer = setTimeout(check, Math.max(0, sentAt + limitMs - performance.now()));
    timer.unref();
    return (answered) => {
      clearTimeout(timer);
      this.#answered(remote, task, sentAt, answered);
    };
  }

  /** An attempt sent at `sentAt` settled; its wall time teaches `remote`'s expectation when it `answered`. */
  #answered(remote: Backend, task: ResolvedTaskDefinition, sentAt: number, answered: boolean): void {
    if (!answered) return;
    const wallTimes = this.#wallTimes.get(remote.name) ?? new DurationEstimator();
    this.#wallTimes.set(remote.name, wallTimes);
    wallTimes.record(task.name, performance.now() - sentAt);
  }
}
