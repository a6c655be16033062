/**
 * Stopping a chunk's worker: when the attempt it runs passes its `timeoutMs`
 * (the watchdog), or when the attempt it runs is aborted. The chunk's
 * progress buffer tells which attempt is running, so only that one fails.
 */
import { type OffloadError, TimeoutError } from '../../errors.js';
import { type Chunk, type Job, SENT, SETTLED } from './job.js';
import { SLOT_CANCELLED, SLOT_STARTED } from './wire-format.js';

/** How often, at most, the watchdog looks again at a chunk whose worker has not started it (a worker being replaced), ms. */
const NOT_STARTED_RECHECK_MS = 10;

/** Stops `chunk`'s worker once its single attempt has run longer than `timeoutMs`. */
export function armWatchdog(chunk: Chunk, timeoutMs: number): void {
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
    const message = `Task "${taskName}" ran longer than its timeoutMs of ${timeoutMs} ms; its worker was terminated and replaced`;
    stopWorker(chunk, 0, new TimeoutError(message, { timeoutMs, taskName }));
  };
  chunk.watchdog = setTimeout(check, timeoutMs);
}

/**
 * Cancels a sent `job` with `error`: a worker that has not reached it skips
 * it; if the worker is running it, the worker is stopped. Queued jobs need
 * nothing here.
 */
export function cancelSent(job: Job, error: OffloadError): void {
  const chunk = job.chunk;
  if (job.state !== SENT || chunk === undefined) return;
  const previous = Atomics.compareExchange(chunk.slots, job.index, 0, SLOT_CANCELLED);
  if (previous === SLOT_STARTED && Atomics.load(chunk.running, 0) === job.index + 1) stopWorker(chunk, job.index, error);
}

/** Terminates `chunk`'s worker (once), failing the attempt at `index` with `error`, or sending it again when `requeue` is true. */
export function stopWorker(chunk: Chunk, index: number, error: OffloadError, requeue = false): void {
  if (chunk.kill !== undefined) return;
  chunk.kill = { index, error, requeue };
  chunk.controller.abort(error);
}
