/** What the chunk dispatcher needs of a pool of workers: piscina's pool of threads, or the process pool. */
import type { ChunkMessage, ChunkReply } from './wire-format.js';

/** A live worker of a {@link ChunkPool}: a thread, or a process (its `threadId` is then the process id). */
interface PoolThread {
  readonly threadId: number;
  terminate(): Promise<unknown>;
}

/** The part of piscina's pool surface the local backend uses; `ProcessPool` has it too. */
export interface ChunkPool {
  run(message: ChunkMessage, options: { signal: AbortSignal; transferList?: ArrayBuffer[] }): Promise<ChunkReply>;
  readonly threads: readonly PoolThread[];
  /** `error`: a worker died with no chunk on it; `workerCreate` and `workerDestroy`: `{ id }` of the worker. */
  on(event: 'error' | 'workerCreate' | 'workerDestroy', listener: (...args: unknown[]) => void): unknown;
  destroy(): Promise<void>;
}
