/**
 * Worker side of cooperative cancellation. The caller marks the running
 * envelope's slot {@link SLOT_ABORT} or {@link SLOT_TIMEOUT} in its chunk's
 * progress buffer and rings the pool's doorbell (an Int32 shared by all
 * workers of the pool); every worker waits on the doorbell with
 * `Atomics.waitAsync`, and the one running that envelope aborts its task's
 * `context.signal`. The task then has its grace period to return or throw
 * before the caller terminates the worker. Waiting costs nothing per chunk,
 * and a task's signal is only made when the task first reads it.
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

/** Waits on the pool's doorbell for the worker's lifetime; call once. */
export function listenForAborts(bell: Int32Array): void {
  const wait = (): void => {
    const seen = Atomics.load(bell, 0);
    check();
    const waiting = waitAsync(bell, 0, seen);
    if (waiting.async) void (waiting.value as Promise<unknown>).then(wait);
    else queueMicrotask(wait);
  };
  wait();
}

/** The envelope at `index` of the chunk with `slots` starts: returns the maker of its signal, which aborts when the caller asks it to stop. */
export function beginAttempt(slots: Int32Array, index: number, taskName: string, timeoutMs: number | undefined): () => AbortSignal {
  const running: Running = { slots, index, taskName, timeoutMs, controller: undefined };
  current = running;
  return () => {
    if (running.controller === undefined) {
      running.controller = new AbortController();
      if (current === running) check();
    }
    return running.controller.signal;
  };
}

/** The envelope at `index` finished: marks its slot {@link SLOT_DONE}. */
export function endAttempt(slots: Int32Array, index: number): void {
  Atomics.store(slots, index, SLOT_DONE);
  current = undefined;
}
