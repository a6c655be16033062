/**
 * Worker side of cooperative cancellation. The caller marks the running
 * envelope's slot {@link SLOT_ABORT} or {@link SLOT_TIMEOUT} in its chunk's
 * progress buffer and rings the pool's doorbell (an Int32 shared by all
 * workers of the pool); a worker whose running task has read its
 * `context.signal` waits on the doorbell with `Atomics.waitAsync` and, when
 * it rings for that envelope, aborts the signal. The task then has its grace
 * period to return or throw before the caller terminates the worker. A task
 * that never reads its signal costs nothing here (measured: a wait kept
 * pending all the time slowed a worker's tiny tasks by about a quarter).
 */
import { AbortError, TimeoutError } from '../../errors.js';
import { SLOT_ABORT, SLOT_DONE, SLOT_TIMEOUT } from './wire-format.js';

/** `Atomics.waitAsync` (Node >= 16; not in this project's TypeScript lib). */
const waitAsync = (Atomics as unknown as { waitAsync(array: Int32Array, index: number, value: number): { async: boolean; value: Promise<unknown> | string } })
  .waitAsync;

interface Running {
  slots: Int32Array;
  index: number;
  taskName: string;
  timeoutMs: number | undefined;
  controller: AbortController | undefined;
}

let current: Running | undefined;
let bell: Int32Array | undefined;
/** A wait on the doorbell is pending. */
let waiting = false;

/** Aborts the running envelope's signal if the caller asked it to stop. */
function check(): void {
  const running = current;
  if (running?.controller === undefined || running.controller.signal.aborted) return;
  const { slots, index, taskName, timeoutMs, controller } = running;
  const state = Atomics.load(slots, index);
  if (state === SLOT_TIMEOUT) {
    controller.abort(new TimeoutError(`Task "${taskName}" ran longer than its timeoutMs of ${timeoutMs} ms`, { timeoutMs: timeoutMs ?? 0, taskName }));
  } else if (state === SLOT_ABORT) {
    controller.abort(new AbortError(`Task "${taskName}" was aborted (its caller's signal, or the offloader was destroyed)`, { taskName }));
  }
}

/** Waits on the doorbell while the running task holds its signal; re-arms after each ring. */
function arm(): void {
  if (waiting || bell === undefined || current?.controller === undefined) return;
  waiting = true;
  const seen = Atomics.load(bell, 0);
  check();
  const wait = waitAsync(bell, 0, seen);
  const woke = (): void => {
    waiting = false;
    arm();
  };
  if (wait.async) void (wait.value as Promise<unknown>).then(woke);
  else queueMicrotask(woke);
}

/** Sets the pool's doorbell (`LocalWorkerData.abortBell`); call once. */
export function listenForAborts(doorbell: Int32Array): void {
  bell = doorbell;
}

/** The envelope at `index` of the chunk with `slots` starts: returns the maker of its signal, which aborts when the caller asks it to stop. */
export function beginAttempt(slots: Int32Array, index: number, taskName: string, timeoutMs: number | undefined): () => AbortSignal {
  const running: Running = { slots, index, taskName, timeoutMs, controller: undefined };
  current = running;
  return () => {
    if (running.controller === undefined) {
      running.controller = new AbortController();
      if (current === running) arm();
    }
    return running.controller.signal;
  };
}

/** The envelope at `index` finished: marks its slot {@link SLOT_DONE}. */
export function endAttempt(slots: Int32Array, index: number): void {
  Atomics.store(slots, index, SLOT_DONE);
  current = undefined;
  // Ends this worker's wait (other workers that wait re-arm).
  if (waiting && bell !== undefined) Atomics.notify(bell, 0);
}
