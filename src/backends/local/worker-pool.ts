/** Starts the piscina pool of worker threads that runs the local pool's chunks. */
import { Piscina } from 'piscina';
import type { ChunkMessage, ChunkReply, LocalWorkerData } from './wire-format.js';

/** What the worker pool is started with. */
export interface WorkerPoolOptions {
  tasksUrl: URL;
  maxWorkers: number;
  minWorkers: number;
  idleTimeoutMs: number;
  maxTasksPerWorker?: number;
  workerMemoryMb?: number;
  /** Young generation of each worker, MB (see `LocalOptions.workerYoungGenerationMb`); V8's default when absent. */
  workerYoungGenerationMb?: number;
  /** The doorbell of {@link LocalWorkerData.abortBell}. */
  abortBell: SharedArrayBuffer;
  /** Chunks one worker holds at once. */
  chunksPerWorker: number;
  /** Picks the worker of each chunk (`WorkerAffinity.balance`). */
  loadBalancer: NonNullable<ConstructorParameters<typeof Piscina>[0]>['loadBalancer'];
}

/**
 * The worker entry: `worker-source.mjs` beside this file when spillway runs
 * from its TypeScript sources, else `local-worker.js` (tsup's `local-worker`
 * entry) beside the built chunk in `dist/`.
 */
function workerUrl(): URL {
  const here = import.meta.url;
  return new URL(here.endsWith('.ts') ? './worker-source.mjs' : './local-worker.js', here);
}

/** Starts the pool and pre-allocates `minWorkers` workers. */
export function createWorkerPool(options: WorkerPoolOptions): Piscina<ChunkMessage, ChunkReply> {
  const { maxTasksPerWorker, workerMemoryMb, workerYoungGenerationMb } = options;
  const workerData: LocalWorkerData = {
    tasksUrl: options.tasksUrl.href,
    abortBell: options.abortBell,
    ...(maxTasksPerWorker === undefined ? {} : { maxTasksPerWorker }),
  };
  return new Piscina<ChunkMessage, ChunkReply>({
    filename: workerUrl().href,
    minThreads: options.minWorkers,
    maxThreads: options.maxWorkers,
    idleTimeout: options.idleTimeoutMs,
    concurrentTasksPerWorker: options.chunksPerWorker,
    loadBalancer: options.loadBalancer,
    workerData,
    // spillway times attempts itself; piscina's own run/wait histograms would only cost a clock read per chunk.
    recordTiming: false,
    resourceLimits: {
      ...(workerYoungGenerationMb === undefined ? {} : { maxYoungGenerationSizeMb: workerYoungGenerationMb }),
      ...(workerMemoryMb === undefined ? {} : { maxOldGenerationSizeMb: workerMemoryMb }),
    },
  });
}
