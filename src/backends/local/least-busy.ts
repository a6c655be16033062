/** piscina's own choice of worker, which the affinity balancer (worker-affinity.ts) falls back to. */
import type { Piscina, PiscinaTask } from 'piscina';

/** piscina's `loadBalancer` option (its type is not exported by name). */
export type LoadBalancer = NonNullable<NonNullable<ConstructorParameters<typeof Piscina>[0]>['loadBalancer']>;
/** One of the workers piscina offers the balancer. */
export type PoolWorker = Parameters<LoadBalancer>[1][number];

/**
 * piscina 5's default balancer (`LeastBusyBalancer`, not exported from its
 * entry): the first idle worker, else the least busy one under
 * `maximumUsage` for tasks without a signal.
 */
export function leastBusy(task: PiscinaTask, workers: PoolWorker[], maximumUsage: number): PoolWorker | null {
  let candidate: PoolWorker | null = null;
  let checkpoint = maximumUsage;
  for (const worker of workers) {
    if (worker.currentUsage === 0) return worker;
    if (worker.isRunningAbortableTask) continue;
    if (!task.isAbortable && worker.currentUsage < checkpoint) {
      candidate = worker;
      checkpoint = worker.currentUsage;
    }
  }
  return candidate;
}
