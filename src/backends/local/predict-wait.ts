/** The local pool's estimate of how long a new task would wait for a worker. */

/**
 * Predicts the wait of a new task that finds no worker free: the estimated
 * work of every queued task (count times its estimated run time, `unknownMs`
 * for a task never measured) plus `aheadMs`, the work the workers already
 * hold (what is left of the running tasks and those handed to them behind),
 * spread over `workers`, ms.
 */
export function predictWaitMs(
  queued: ReadonlyMap<string, number>,
  estimateMs: (taskName: string) => number | undefined,
  workers: number,
  unknownMs = 0,
  aheadMs = 0,
): number {
  let workMs = aheadMs;
  for (const [taskName, count] of queued) workMs += count * (estimateMs(taskName) ?? unknownMs);
  return workMs / Math.max(1, workers);
}
