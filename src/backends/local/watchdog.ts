/**
 * Stopping a chunk's attempt: when it passes its `timeoutMs` (the watchdog),
 * when its caller aborts it, or when the pool is destroyed. A running attempt
 * is asked first: its slot in the progress buffer is marked and the pool's doorbell
 * rung, so the worker aborts the task's `context.signal` (see
 * `abort-watch.ts`); only if the task is still running after its grace
 * period is the worker terminated. The progress buffer tells which attempt
 * is running, so only that one fails.
 */
import { AbortError, type OffloadError, TimeoutError } from '../../errors.js';
import { type Chunk, type Job, SENT, SETTLED } from './job.js';
import { SLOT_ABORT, SLOT_CANCELLED, SLOT_DONE, SLOT_STARTED, SLOT_TIMEOUT } from './wire-format.js';

/** How often, at most, the watchdog looks again at a chunk whose worker has not started it (a worker being replaced), ms. */
const NOT_STARTED_RECHECK_MS = 10;

/**
 * Times `chunk`'s single attempt: once it has run longer than `timeoutMs`,
 * `expire` settles it with a `TimeoutError` and the attempt is stopped
 * (cooperatively for `graceMs`, then by terminating the worker).
 */
export function armWatchdog(chunk: Chunk, timeoutMs: number, graceMs: number, expire: (job: Job, error: OffloadError) => void): void {
  const check = (): void => {
    const job = chunk.jobs[0];
    if (job.state === SETTLED) return;
    if (Atomics.load(chunk.running, 0) === 0) {
      // Not started yet (a worker is being replaced): look again shortly.
      chunk.watchdog = setTimeout(check, Math.min(timeoutMs, NOT_STARTED_RECHECK_MS));
      return;
    }
    const remainingMs = chunk.startedAt[0] + timeoutMs - Date.now();
    if (remainingMs > 0) {
      chunk.watchdog = setTimeout(check, remainingMs);
      return;
    }
    const taskName = job.envelope.task;
    const then =
      graceMs > 0
        ? `its signal was aborted, and its worker is replaced if it does not stop within ${graceMs} ms (abortGraceMs)`
        : 'its worker was terminated and replaced';
    const error = new TimeoutError(`Task "${taskName}" ran longer than its timeoutMs of ${timeoutMs} ms; ${then}`, { timeoutMs, taskName });
    requestStop(chunk, 0, error, graceMs, SLOT_TIMEOUT);
    expire(job, error);
  };
  chunk.watchdog = setTimeout(check, timeoutMs);
}

/**
 * Cancels a sent `job` with `error`: a worker that has not reached it skips
 * it; if the worker is running it, it is asked to stop and, after `graceMs`,
 * stopped. Queued jobs need nothing here. The caller settles the job.
 */
export function cancelSent(job: Job, error: OffloadError, graceMs: number): void {
  const chunk = job.chunk;
  if (job.state !== SENT || chunk === undefined) return;
  const previous = Atomics.compareExchange(chunk.slots, job.index, 0, SLOT_CANCELLED);
  if (previous === 0) chunk.forward?.(job.index, SLOT_CANCELLED);
  else if (previous === SLOT_STARTED) requestStop(chunk, job.index, error, graceMs, SLOT_ABORT);
}

/**
 * A worker process started the attempt at `index` before the cancellation
 * the caller had sent it arrived (the attempt has settled): it is stopped
 * like a running attempt, cooperatively for `graceMs`, then by ending the process.
 */
export function stopStartedAfterCancel(chunk: Chunk, index: number, graceMs: number): void {
  const taskName = chunk.jobs[index].envelope.task;
  const error = new AbortError(`Task "${taskName}" was cancelled, and its worker process had already started it`, { taskName });
  Atomics.store(chunk.slots, index, SLOT_STARTED);
  requestStop(chunk, index, error, graceMs, SLOT_ABORT);
}

/**
 * Settles every sent attempt of `chunk` with `error()` through `settle` and
 * stops them (see {@link cancelSent}); returns the grace period of the one
 * running (0 when none is).
 */
export function abortChunk(chunk: Chunk, error: () => OffloadError, graceOf: (job: Job) => number, settle: (job: Job, error: OffloadError) => void): number {
  let graceMs = 0;
  for (const job of chunk.jobs) {
    if (job.state !== SENT) continue;
    if (Atomics.load(chunk.running, 0) === job.index + 1) graceMs = graceOf(job);
    const reason = error();
    cancelSent(job, reason, graceOf(job));
    settle(job, reason);
  }
  return graceMs;
}

/** Asks the running attempt at `index` to stop (slot state `reason`), and terminates the worker if it still runs after `graceMs`. */
function requestStop(chunk: Chunk, index: number, error: OffloadError, graceMs: number, reason: typeof SLOT_ABORT | typeof SLOT_TIMEOUT): void {
  if (graceMs <= 0) {
    stopWorker(chunk, index, error);
    return;
  }
  // The attempt finished meanwhile: nothing to stop.
  if (Atomics.compareExchange(chunk.slots, index, SLOT_STARTED, reason) !== SLOT_STARTED) return;
  chunk.forward?.(index, reason);
  Atomics.add(chunk.bell, 0, 1);
  Atomics.notify(chunk.bell, 0);
  clearTimeout(chunk.graceTimer);
  chunk.graceTimer = setTimeout(() => {
    if (Atomics.load(chunk.slots, index) !== SLOT_DONE) stopWorker(chunk, index, error);
  }, graceMs);
}

/**
 * Marks a sent `job` as skipped if its worker has not reached it yet; true
 * if so (the worker will not run it), false if the worker already started it.
 */
export function skipUnstarted(job: Job): boolean {
  const chunk = job.chunk;
  if (job.state !== SENT || chunk === undefined) return false;
  if (Atomics.compareExchange(chunk.slots, job.index, 0, SLOT_CANCELLED) !== 0) return false;
  chunk.forward?.(job.index, SLOT_CANCELLED);
  return true;
}

/** Terminates `chunk`'s worker (once), failing the attempt at `index` with `error`, or sending it again when `requeue` is true. */
export function stopWorker(chunk: Chunk, index: number, error: OffloadError, requeue = false): void {
  if (chunk.kill !== undefined) return;
  chunk.kill = { index, error, requeue };
  chunk.controller.abort(error);
}
