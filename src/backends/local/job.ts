/**
 * The records the local pool keeps: one {@link Job} per attempt and one
 * {@link Chunk} per worker round trip. Plain objects of one shape each, so
 * the hot path allocates nothing else per attempt.
 */
import type { TaskEnvelope } from '../../contract/envelope.js';
import type { OffloadError } from '../../errors.js';
import type { ResolvedTaskDefinition } from '../../task.js';
import type { AttemptSink } from './attempt-sink.js';

/** Job state: waiting in the pool's queue. */
export const QUEUED = 0;
/** Job state: handed to a worker inside a chunk. */
export const SENT = 1;
/** Job state: its sink heard the outcome. */
export const SETTLED = 2;

/** One attempt of a task on the local pool. */
export interface Job {
  envelope: TaskEnvelope;
  task?: ResolvedTaskDefinition;
  chunkSize?: number;
  signal?: AbortSignal;
  /** Its slot among the attempts waiting on `signal` (`abort-fanout.ts`), while it waits. */
  abortSlot?: number;
  sink: AttemptSink;
  /** The attempt's affinity key (see `worker-affinity.ts`). */
  affinityKey: string | undefined;
  /** {@link QUEUED}, {@link SENT} or {@link SETTLED}. */
  state: number;
  /** The chunk carrying the attempt while it is {@link SENT}. */
  chunk?: Chunk;
  /** Position in its chunk. */
  index: number;
  /** How often a worker died before starting it and it was queued again. */
  unstartedResends: number;
}

/** One live worker of the pool with its affinity slot (see `worker-affinity.ts`). */
export interface WorkerSlot {
  /** The worker's `threadId`. */
  readonly id: number;
  /** 0 to maxWorkers - 1: the lowest free one when the worker started. */
  readonly slot: number;
  /** Chunks piscina placed on the worker that have not come back. */
  chunksOut: number;
}

/** Attempts sent to one worker in one round trip, with their shared progress buffer. */
export interface Chunk {
  jobs: Job[];
  /** The shared progress buffer (layout: `PROGRESS` in wire-format.ts). */
  progress: SharedArrayBuffer;
  /** 1 + index of the attempt the worker runs now (0: none started yet). */
  running: Int32Array;
  /** `Date.now()` when the running attempt started. */
  startedAt: Float64Array;
  /** Per attempt: its `SLOT_*` state (wire-format.ts). */
  slots: Int32Array;
  /** The pool's doorbell, which its workers wait on for stop requests. */
  bell: Int32Array;
  controller: AbortController;
  /** Its slot in the dispatcher's chunks out at a worker (`SlotList`), while it is out. */
  activeSlot: number;
  /** The worker the chunk is meant for (its attempts' key's worker); undefined: any. */
  target?: WorkerSlot;
  /** The worker piscina placed the chunk on, while it is out. */
  worker?: WorkerSlot;
  /**
   * Set while a chunk sent to grow the pool waits in piscina: it takes only
   * an idle worker (`target` first), so piscina starts a worker for it.
   */
  grow?: boolean;
  /**
   * Set when spillway stopped the worker: which attempt it stopped and why;
   * `requeue`: the attempt is sent again instead of failing with `error`.
   */
  kill?: { index: number; error: OffloadError; requeue?: boolean };
  watchdog?: NodeJS.Timeout;
  /** Terminates the worker when the attempt asked to stop has not stopped within its grace period. */
  graceTimer?: NodeJS.Timeout;
  /**
   * Hears each change the caller makes to a slot (`SLOT_CANCELLED`,
   * `SLOT_ABORT`, `SLOT_TIMEOUT`): set by a pool whose workers do not share
   * the progress buffer (processes), which sends the change on.
   */
  forward?: (index: number, state: number) => void;
}
