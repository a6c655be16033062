/** The local pool's estimate of how long a new task would wait for a worker. */

/**
 * Predicts the wait of a new task: the estimated work of every queued task
 * (count times its estimated run time, `unknownMs` for a task never measured)
 * spread over `workers`, ms.
 */
export function predictWaitMs(
  queued: ReadonlyMap<string, number>,
  estimateMs: (taskName: string) => number | undefined,
  workers: number,
  unknownMs = 0,
): number {
  let workMs = 0;
  for (const [taskName, count] of queued) workMs += count * (estimateMs(taskName) ?? unknownMs);
  return workMs / Math.max(1, workers);
}
