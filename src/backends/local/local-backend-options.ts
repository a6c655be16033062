/**
 * The resolved options of one local pool (thread or process isolated), as
 * the offloader passes them to `createLocalPool`.
 */
import type { OffloadError } from '../../errors.js';
import type { DurationEstimator } from './duration-estimator.js';
import type { LateFault } from './late-fault.js';
import type { IsolationOptions } from './process-pool.js';
import type { StallInfo } from './stall-watch.js';
import type { AffinityMissInfo } from './worker-affinity.js';

/** Resolved options of the local pool (see `LocalOptions` for the documented, user-facing form). */
export interface LocalBackendOptions extends IsolationOptions {
  tasksUrl: URL;
  name: string;
  maxWorkers: number;
  /** Where `maxWorkers` came from, for {@link LocalSnapshot.sizing}. @default 'option' */
  maxWorkersSource?: string;
  minWorkers: number;
  idleTimeoutMs: number;
  maxQueue: number;
  maxTasksPerWorker?: number;
  workerMemoryMb?: number;
  /** See `LocalOptions.workerYoungGenerationMb`. @default undefined (V8's default) */
  workerYoungGenerationMb?: number;
  /** The run time estimates to record into (shared by the thread and process pools of one offloader); a new one by default. */
  durations?: DurationEstimator;
  /** How long a task may take to stop after its signal aborted before its worker is terminated (tasks' own `abortGraceMs` override it), ms. */
  abortGraceMs: number;
  /** See `LocalOptions.stallAfterMs`. */
  stallAfterMs?: number;
  /** See `LocalOptions.affinityMaxQueue`. @default 1000 */
  affinityMaxQueue?: number;
  /** Hears each keyed attempt that did not go to its key's worker. */
  affinityMissListener?: (miss: AffinityMissInfo) => void;
  /** See `LocalOptions.onStall`. @default 'report' */
  onStall?: 'report' | 'restart';
  /** Hears each stalled attempt. */
  stallListener?: (stall: StallInfo) => void;
  /**
   * Hears the health of the pool once per chunk: `undefined` when the worker
   * came back, the error when it died (crash, exit, out of memory). Timeouts
   * and aborts that spillway itself caused are not reported.
   */
  onChunkHealth?: (fault: OffloadError | undefined) => void;
  /**
   * Hears a worker fault that a task left behind after it settled (a timer
   * that exits or throws, an unhandled rejection): the fault is charged to
   * that task, and the attempts the worker held are run again.
   */
  onLateFault?: (fault: LateFault) => void;
}
