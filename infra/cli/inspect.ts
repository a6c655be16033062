/** `spillway inspect`: what a task module exports, and the local pool's default size here, as data. */
import { pathToFileURL } from 'node:url';
import { defaultWorkerSizing, type WorkerSizing } from '../../src/backends/local/cpu-budget.js';
import { loadTaskModule } from '../../src/contract/task-module-load.js';

/** One task of an inspected module. */
interface InspectedTask {
  name: string;
  idempotent: boolean;
  retries: number;
  timeoutMs?: number;
  memoryMb?: number;
  hasInputSchema: boolean;
  hasOutputSchema: boolean;
}

/** The result of inspecting a task module. */
export interface InspectReport {
  module: string;
  bundleHash: string;
  tasks: InspectedTask[];
  /** The default `local.maxWorkers` on this machine and where it came from (`os.availableParallelism()` or a cgroup CPU quota). */
  local: WorkerSizing;
}

/** Imports the module at `path` and describes its `offloadable` exports. */
export async function inspectTaskModule(path: string): Promise<InspectReport> {
  const url = pathToFileURL(path);
  const { registry, bundleHash } = await loadTaskModule(url);
  const tasks = [...registry.values()].map(({ definition }) => ({
    name: definition.name,
    idempotent: definition.idempotent,
    retries: definition.retries,
    ...(definition.timeoutMs === undefined ? {} : { timeoutMs: definition.timeoutMs }),
    ...(definition.memoryMb === undefined ? {} : { memoryMb: definition.memoryMb }),
    hasInputSchema: definition.input !== undefined,
    hasOutputSchema: definition.output !== undefined,
  }));
  return { module: url.href, bundleHash, tasks, local: defaultWorkerSizing() };
}
