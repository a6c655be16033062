/** The local pool's estimate of how long a new task would wait for a worker. */

/** What the workers already hold ahead of a new task. */
export interface WorkAhead {
  /** What is left of the running tasks and of those handed to a worker behind them, estimated, ms. */
  workMs: number;
  /** A worker is free (then a new task that finds nothing queued starts at once). */
  workerFree: boolean;
}

/** Nothing held: free workers, no work in them. */
const NOTHING_AHEAD: WorkAhead = { workMs: 0, workerFree: true };

/**
 * Predicts the wait of a new task: 0 when nothing is queued and a worker is
 * free; else the estimated work of every queued task (count times its
 * estimated run time, `unknownMs` for a task never measured) plus the work
 * the workers already hold (`ahead`), spread over `workers`, ms.
 */
export function predictWaitMs(
  queued: ReadonlyMap<string, number>,
  estimateMs: (taskName: string) => number | undefined,
  workers: number,
  unknownMs = 0,
  ahead: WorkAhead = NOTHING_AHEAD,
): number {
  let queuedCount = 0;
  let workMs = ahead.workMs;
  for (const [taskName, count] of queued) {
    queuedCount += count;
    workMs += count * (estimateMs(taskName) ?? unknownMs);
  }
  if (queuedCount === 0 && ahead.workerFree) return 0;
  return workMs / Math.max(1, workers);
}
