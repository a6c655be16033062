/**
 * Worker side: which envelope a fault that kills the worker came from, so
 * `process.exit()`, an uncaught exception or an unhandled rejection is
 * charged to the task that caused it even when it already returned. Whose
 * code runs is tracked without AsyncLocalStorage or promise hooks (either
 * slowed every task by about a tenth):
 *
 * - `process.exit()` and uncaught exceptions: the envelope the worker runs
 *   (or ran last, when it is idle); inside a callback scheduled with
 *   `setTimeout`, `setInterval`, `setImmediate` (global or from
 *   `node:timers`), `process.nextTick` or `queueMicrotask`, the envelope
 *   whose code scheduled it (see `tagged-callbacks.ts`).
 * - Unhandled rejections, which Node reports only once the microtask queue
 *   is empty, possibly after the next task started: the envelope of the
 *   tagged callback that ran last, when one ran after the last envelope
 *   started (a rejection in a timer); else, while an envelope runs, the one
 *   before it (a task that rejected and returned without waiting), which
 *   sends the running one again as innocent; else the envelope run last.
 *   A task that rejects after waiting for I/O is thus first taken for
 *   innocent; run again on a fresh worker, it is charged.
 *
 * Other callbacks a task leaves behind (I/O, events, the continuation of an
 * `await` in a leftover callback) count as code of the envelope running
 * when they fire. The origin is written into the progress buffer of the
 * chunk the worker runs (or ran last) before the worker dies; the caller then
 * charges the fault to that task instead of the one running now.
 */
import { tagCallbacks } from './tagged-callbacks.js';
import { CULPRIT_BYTES, culpritByte, FAULT_FROM_SETTLED_TASK, PROGRESS } from './wire-format.js';

/** One chunk as the worker runs it. */
export interface RunningChunk {
  fault: Int32Array;
  culprit: Uint8Array;
  /** Index of the envelope running or last run (-1 before the first). */
  index: number;
}

/** An envelope whose code may run: its chunk, position and identity. */
interface Origin {
  chunk: RunningChunk;
  index: number;
  task: string;
  id: string;
}

let active: RunningChunk | undefined;
let last: RunningChunk | undefined;
/** Whose code runs now: the envelope running (or run last), or inside a tagged callback the envelope that scheduled it. */
let current: Origin | undefined;
/** Whose code started last: an envelope, or a tagged callback (its origin). */
let lastStarted: Origin | undefined;
/** The envelope started last, and the one before it. */
let lastEnvelope: Origin | undefined;
let previousEnvelope: Origin | undefined;

/** Views on a chunk's progress buffer for {@link runAttributed}. */
export function openChunk(progress: SharedArrayBuffer, size: number): RunningChunk {
  const chunk: RunningChunk = {
    fault: new Int32Array(progress, PROGRESS.faultByte, 1),
    culprit: new Uint8Array(progress, culpritByte(size), CULPRIT_BYTES),
    index: -1,
  };
  active = chunk;
  last = chunk;
  return chunk;
}

/** The worker finished `chunk`: faults from now on are written to it as from a settled task. */
export function closeChunk(chunk: RunningChunk): void {
  if (active === chunk) active = undefined;
}

/** Runs envelope `index` of `chunk`: from now until the next envelope starts, faults without another origin are charged to it. */
export function runAttributed<T>(chunk: RunningChunk, index: number, task: string, id: string, run: () => T): T {
  chunk.index = index;
  current = { chunk, index, task, id };
  previousEnvelope = lastEnvelope;
  lastEnvelope = current;
  lastStarted = current;
  return run();
}

function writeCulprit(target: RunningChunk, origin: Origin): void {
  const bytes = new TextEncoder().encode(`${origin.task}\0${origin.id}`).subarray(0, CULPRIT_BYTES - 4);
  new DataView(target.culprit.buffer, target.culprit.byteOffset, 4).setInt32(0, bytes.length, true);
  target.culprit.set(bytes, 4);
}

/** Where an unhandled rejection that Node reports now came from (see the file's comment). */
function rejectionOrigin(): Origin | undefined {
  if (lastStarted !== lastEnvelope) return lastStarted;
  return active !== undefined && previousEnvelope !== undefined ? previousEnvelope : lastEnvelope;
}

/** Records that the fault now killing the worker came from `origin` (the first fault wins). */
function blame(origin: Origin | undefined): void {
  const target = active ?? last;
  if (origin === undefined || target === undefined || Atomics.load(target.fault, 0) !== 0) return;
  if (target === active && origin.chunk === target) {
    // The running envelope's own fault needs no note; an earlier one of this chunk is named by index.
    if (origin.index !== target.index) Atomics.store(target.fault, 0, origin.index + 1);
    return;
  }
  writeCulprit(target, origin);
  Atomics.store(target.fault, 0, FAULT_FROM_SETTLED_TASK);
}

/** Installs the hooks that call {@link blame}; the faults still end the worker as before. */
export function traceFaults(): void {
  tagCallbacks<Origin>({
    current: () => current,
    enter(origin) {
      const previous = current;
      current = origin;
      lastStarted = origin;
      return previous;
    },
    leave(previous) {
      current = previous;
    },
  });
  const exit = process.exit.bind(process);
  process.exit = ((code?: number | string | null) => {
    blame(current);
    return exit(code);
  }) as typeof process.exit;
  process.on('uncaughtExceptionMonitor', () => blame(current));
  process.on('unhandledRejection', (reason) => {
    blame(rejectionOrigin());
    // Ends the worker as Node's default (`--unhandled-rejections=throw`) would.
    throw reason;
  });
}
