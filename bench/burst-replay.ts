/**
 * Replays an arrival trace on an offloader. Arrivals are timer-driven
 * relative to the trace start (each timer submits every task whose time has
 * come, so a busy event loop delays submissions but never drops or reorders
 * them); a task's arrival is its SCHEDULED time, so any submission lag counts
 * against its latency.
 */
import type { Offloader } from 'spillway';
import { work } from './fixtures/burst-tasks.mjs';

/** What one replay measured. */
export interface Replay {
  latencies: number[];
  byBackend: Record<string, number>;
  failed: number;
  makespanMs: number;
  maxLagMs: number;
}

/** Nearest-rank quantile (`q` = 0.5 gives the median of an even count as the mean of the middle two). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  if (q === 0.5) {
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** Replays `offsets` on `offloader` with `placement`; resolves when every task has settled. */
export function replay(offloader: Offloader, placement: string, offsets: readonly number[], timeoutMs?: number): Promise<Replay> {
  const latencies: number[] = [];
  const byBackend: Record<string, number> = {};
  let failed = 0;
  let lastSettle = 0;
  let maxLagMs = 0;
  let settled = 0;
  let next = 0;
  return new Promise((resolve) => {
    const start = performance.now();
    const submit = (index: number): void => {
      const arrival = start + offsets[index];
      maxLagMs = Math.max(maxLagMs, performance.now() - arrival);
      offloader
        .run(work, index, {
          placement,
          ...(timeoutMs === undefined ? {} : { timeoutMs }),
          onSuccess: (_result, info) => {
            byBackend[info.backend] = (byBackend[info.backend] ?? 0) + 1;
          },
        })
        .then(
          () => undefined,
          (error: Error) => {
            failed++;
            if (failed <= 3) console.error(`task ${index} failed: ${error.name}: ${error.message}`);
          },
        )
        .finally(() => {
          const now = performance.now();
          latencies.push(now - arrival);
          lastSettle = Math.max(lastSettle, now);
          if (++settled === offsets.length) resolve({ latencies, byBackend, failed, makespanMs: lastSettle - (start + offsets[0]), maxLagMs });
        });
    };
    const tick = (): void => {
      const elapsed = performance.now() - start;
      while (next < offsets.length && offsets[next] <= elapsed) submit(next++);
      if (next < offsets.length) setTimeout(tick, Math.max(0, offsets[next] - (performance.now() - start)));
    };
    tick();
  });
}
