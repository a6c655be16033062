/**
 * Merge bridge, not part of the core layout: `src/backends/local.ts` on this
 * branch still imports `predictWaitMs` from here. The "local" helper's branch
 * moves `predictWaitMs` into the pool (`src/backends/local/`); delete this
 * file when merging it.
 */

/** Predicted wait of a new task: the estimated work queued, spread over the workers. */
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
