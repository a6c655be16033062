/**
 * Worker side of cooperative cancellation: the caller marks the running
 * envelope's slot {@link SLOT_ABORT} or {@link SLOT_TIMEOUT} in the chunk's
 * progress buffer and rings the doorbell; the worker, waiting on the doorbell
 * with `Atomics.waitAsync`, aborts that envelope's `context.signal`. The task
 * then has its grace period to return or throw before the caller terminates
 * the worker.
 */
import { AbortError, TimeoutError } from '../../errors.js';
import { PROGRESS, SLOT_ABORT, SLOT_DONE, SLOT_TIMEOUT } from './wire-format.js';

/** The abort signals of one chunk's envelopes, one running at a time. */
export interface AbortWatch {
  /** The envelope at `index` started: its signal, which aborts when the caller asks it to stop. */
  start(index: number, taskName: string, timeoutMs: number | undefined): AbortSignal;
  /** The envelope at `index` finished: marks its slot {@link SLOT_DONE}. */
  finish(index: number): void;
  /** The chunk ended: stops waiting on the doorbell. */
  close(): void;
}

/** `Atomics.waitAsync` (Node >= 16; not in this project's TypeScript lib). */
const waitAsync = (Atomics as unknown as { waitAsync(array: Int32Array, index: number, value: number): { async: boolean; value: Promise<unknown> | string } })
  .waitAsync;

interface Running {
  index: number;
  taskName: string;
  timeoutMs: number | undefined;
  controller: AbortController;
}

/** Starts waiting on the doorbell of the chunk whose progress buffer is `progress`. */
export function watchAborts(progress: SharedArrayBuffer, slots: Int32Array): AbortWatch {
  const bell = new Int32Array(progress, PROGRESS.bellByte, 1);
  let closed = false;
  let current: Running | undefined;
  const check = (): void => {
    if (current === undefined || current.controller.signal.aborted) return;
    const { index, taskName, timeoutMs, controller } = current;
    const state = Atomics.load(slots, index);
    if (state === SLOT_TIMEOUT) {
      controller.abort(new TimeoutError(`Task "${taskName}" ran longer than its timeoutMs of ${timeoutMs} ms`, { timeoutMs: timeoutMs ?? 0, taskName }));
    } else if (state === SLOT_ABORT) {
      controller.abort(new AbortError(`Task "${taskName}" was aborted (its caller's signal, or the offloader was destroyed)`, { taskName }));
    }
  };
  const wait = (): void => {
    if (closed) return;
    const seen = Atomics.load(bell, 0);
    check();
    const waiting = waitAsync(bell, 0, seen);
    if (waiting.async) void (waiting.value as Promise<unknown>).then(wait);
    else queueMicrotask(wait);
  };
  wait();
  return {
    start(index, taskName, timeoutMs) {
      current = { index, taskName, timeoutMs, controller: new AbortController() };
      check();
      return current.controller.signal;
    },
    finish(index) {
      Atomics.store(slots, index, SLOT_DONE);
      current = undefined;
    },
    close() {
      closed = true;
      current = undefined;
      Atomics.notify(bell, 0);
    },
  };
}
