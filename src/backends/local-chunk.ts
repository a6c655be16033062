/**
 * The message format between the local backend and its workers: a chunk of
 * envelopes run in order in one worker round trip, plus a small shared
 * buffer through which the worker says which envelope it is running (so a
 * crash, timeout or abort fails only that task) and the caller can cancel
 * envelopes that have not started.
 */
import type { EncodedError } from '../contract/envelope.js';

/** Byte layout of a chunk's shared progress buffer. */
export const PROGRESS = {
  /** Int32 at index 0: 1 + index of the envelope running now (0: none started yet). */
  runningSlot: 0,
  /** Float64 at byte 8: `Date.now()` when the running envelope started. */
  startedAtByte: 8,
  /** Int32 per envelope from byte 16: {@link SLOT_CANCELLED} or {@link SLOT_STARTED}, set with compare-and-swap by whichever side comes first. */
  cancelledByte: 16,
} as const;

/** Slot state: the caller cancelled the envelope before the worker reached it. */
export const SLOT_CANCELLED = 1;
/** Slot state: the worker started the envelope. */
export const SLOT_STARTED = 2;

/** Allocates the progress buffer for a chunk of `size` envelopes. */
export function createProgressBuffer(size: number): SharedArrayBuffer {
  return new SharedArrayBuffer(PROGRESS.cancelledByte + 4 * size);
}

/**
 * What the local backend posts to a worker. The envelopes travel as one JSON
 * text: copying one string between threads is much cheaper than the
 * structured clone of thousands of small objects.
 */
export interface ChunkMessage {
  /** JSON of `TaskEnvelope[]`. */
  envelopes: string;
  progress: SharedArrayBuffer;
}

/** What a worker answers. */
export interface ChunkReply {
  threadId: number;
  /** JSON of `(ResultEnvelope | null)[]`: one result per envelope, `null` where one was cancelled; shorter than the chunk when the worker retired. */
  results: string;
  /** The worker reached `maxTasksPerWorker` and must be replaced; envelopes after the last result did not run. */
  retire: boolean;
  /** The task module could not be loaded in the worker. */
  loadError?: EncodedError;
}

/** Data every local worker is started with. */
export interface LocalWorkerData {
  tasksUrl: string;
  maxTasksPerWorker?: number;
}
