/**
 * Caller side of fault tracing (see `fault-origin.ts`): reads from a dead
 * worker's chunk which task the fault came from.
 */
import { BackendError } from '../../errors.js';
import type { Chunk } from './job.js';
import { culpritByte, FAULT_FROM_SETTLED_TASK, PROGRESS, type WorkerTaint } from './wire-format.js';
import { workerDeathError } from './worker-death.js';

/** A worker fault charged to a task that had already settled: the task ran, returned, and left something behind that killed its worker. */
export interface LateFault {
  /** Id of the task that caused the fault. */
  taskId: string;
  /** Its `offloadable` name. */
  taskName: string;
  /** The worker's death, as it would have failed the task. */
  error: BackendError;
}

/** Where a chunk's worker fault came from: `undefined` (the running attempt, or unknown), an index in the chunk, or a settled task. */
export type FaultOrigin = undefined | { index: number } | { taskName: string; taskId: string };

/** Reads the fault origin the worker wrote into `chunk`'s progress buffer before it died. */
export function faultOrigin(chunk: Chunk): FaultOrigin {
  const { progress, jobs } = chunk;
  const marker = Atomics.load(new Int32Array(progress, PROGRESS.faultByte, 1), 0);
  if (marker > 0 && marker <= jobs.length) return { index: marker - 1 };
  if (marker !== FAULT_FROM_SETTLED_TASK) return undefined;
  const start = culpritByte(jobs.length);
  const length = new DataView(progress, start, 4).getInt32(0, true);
  // TextDecoder does not read shared memory: copy the bytes out first.
  const bytes = new Uint8Array(length);
  bytes.set(new Uint8Array(progress, start + 4, length));
  const [taskName = '', taskId = ''] = new TextDecoder().decode(bytes).split('\0');
  // The worker had finished the chunk but its reply had not left: the culprit is one of the chunk's own attempts.
  const index = jobs.findIndex((job) => job.envelope.id === taskId);
  return index >= 0 ? { index } : { taskName, taskId };
}

/**
 * A worker died with no chunk on it: finds, among the last chunk each worker
 * answered (by thread id), the one into which the culprit wrote its id, and
 * forgets that chunk.
 */
export function idleDeathCulprit(lastReplied: Map<number, Chunk>): { taskName: string; taskId: string } | undefined {
  for (const [threadId, chunk] of lastReplied) {
    const origin = faultOrigin(chunk);
    if (origin === undefined) continue;
    lastReplied.delete(threadId);
    if (!('index' in origin)) return origin;
    const { task, id } = chunk.jobs[origin.index].envelope;
    return { taskName: task, taskId: id };
  }
  return undefined;
}

/** The error of a late fault charged to the settled task `taskName` (id `taskId`). */
export function lateFaultError(error: unknown, taskName: string, taskId: string, workerMemoryMb: number | undefined): BackendError {
  const death = workerDeathError(error, taskName, workerMemoryMb);
  return new BackendError(`${death.message}, after the task had settled (a timer, a promise or a callback it left behind)`, {
    code: death.code,
    retryable: false,
    cause: error,
    taskName,
    taskId,
  });
}

/** The report of a task that changed shared globals on its worker (`ERR_WORKER_TAINTED`): the worker was replaced, the task's result stands. */
export function taintError({ taskName, taskId, changes, ran }: WorkerTaint): BackendError {
  const who = ran > 1 ? `Task "${taskName}" (id ${taskId}) or one of the ${ran - 1} tasks before it on the same worker` : `Task "${taskName}" (id ${taskId})`;
  return new BackendError(
    `${who} left its local worker changed: ${changes.join(', ')}. The worker was replaced so no later task sees it; keep state in module scope or in the task's own objects, never on Object.prototype or as a global`,
    { code: 'ERR_WORKER_TAINTED', retryable: false, taskName, taskId },
  );
}
