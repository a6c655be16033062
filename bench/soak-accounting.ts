/**
 * What bench/soak counts after its storm: executions per task from the
 * journal file, and the process's memory and handles against a baseline.
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Executions per task id, by kind, read from the journal (`<kind> <id> <backend>` per line). */
export interface Executions {
  square: Map<number, number>;
  charge: Map<number, number>;
  /** Executions by the backend the task saw in its context. */
  byBackend: Record<string, number>;
}

/** Reads the journal written by bench/fixtures/soak-tasks.mjs, without the warm-up's tasks (negative ids). */
export function readJournal(path: string): Executions {
  const executions: Executions = { square: new Map(), charge: new Map(), byBackend: {} };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    const [kind, id, backend = '?'] = line.split(' ');
    // Negative ids are the warm-up's.
    if (Number(id) < 0) continue;
    const counts = kind === 'charge' ? executions.charge : executions.square;
    counts.set(Number(id), (counts.get(Number(id)) ?? 0) + 1);
    executions.byBackend[backend] = (executions.byBackend[backend] ?? 0) + 1;
  }
  return executions;
}

/** Extra executions past the first, summed over tasks. */
export function reruns(counts: Map<number, number>): number {
  let extra = 0;
  for (const count of counts.values()) extra += Math.max(0, count - 1);
  return extra;
}

/** Memory and handles of this process at one moment, after a full garbage collection. */
export interface ProcessFootprint {
  rssMb: number;
  heapUsedMb: number;
  /** Active handles and requests by type (`process.getActiveResourcesInfo()`), timers excluded. */
  handles: Record<string, number>;
}

/** `gc()`, made available without `--expose-gc` on the command line. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Measures the process after two full collections (with a turn of the event loop between, so finalizers run). */
export async function footprint(): Promise<ProcessFootprint> {
  const gc = collector();
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
  const handles: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) {
    if (type !== 'Timeout' && type !== 'Immediate') handles[type] = (handles[type] ?? 0) + 1;
  }
  const { rss, heapUsed } = process.memoryUsage();
  const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  return { rssMb: mb(rss), heapUsedMb: mb(heapUsed), handles };
}

/** Handle types with more instances `after` than at `before`, with the difference. */
export function handleGrowth(before: ProcessFootprint, after: ProcessFootprint): Record<string, number> {
  const growth: Record<string, number> = {};
  for (const [type, count] of Object.entries(after.handles)) {
    const extra = count - (before.handles[type] ?? 0);
    if (extra > 0) growth[type] = extra;
  }
  return growth;
}
