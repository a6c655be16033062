/**
 * Worker side: which envelope a fault that kills the worker came from. Each
 * envelope runs inside its own attempt scope (an AsyncLocalStorage context,
 * shared with log capture: `contract/attempt-scope.ts`), which its timers and
 * promises inherit, so `process.exit()`, an uncaught exception and an
 * unhandled rejection can be traced to the task that caused them even when
 * it already returned. The origin is written into the progress buffer of the
 * chunk the worker runs (or ran last) before the worker dies; the caller then
 * charges the fault to that task instead of the one running now.
 */
import { AttemptScope, currentScope, runInScope } from '../../contract/attempt-scope.js';
import { CULPRIT_BYTES, culpritByte, FAULT_FROM_SETTLED_TASK, PROGRESS } from './wire-format.js';

/** One chunk as the worker runs it. */
export interface RunningChunk {
  fault: Int32Array;
  culprit: Uint8Array;
  /** Index of the envelope running or last run (-1 before the first). */
  index: number;
}

/** The scope an envelope runs in: which chunk, index and task a fault it leaves behind comes from. */
class Origin extends AttemptScope {
  readonly chunk: RunningChunk;
  readonly index: number;
  readonly task: string;
  readonly id: string;

  constructor(chunk: RunningChunk, index: number, task: string, id: string) {
    super();
    this.chunk = chunk;
    this.index = index;
    this.task = task;
    this.id = id;
  }
}

let active: RunningChunk | undefined;
let last: RunningChunk | undefined;

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

/** Runs envelope `index` of `chunk` in its own context, so faults it leaves behind can be traced to it. */
export function runAttributed<T>(chunk: RunningChunk, index: number, task: string, id: string, run: () => T): T {
  chunk.index = index;
  return runInScope(new Origin(chunk, index, task, id), run);
}

function writeCulprit(target: RunningChunk, origin: Origin): void {
  const bytes = new TextEncoder().encode(`${origin.task}\0${origin.id}`).subarray(0, CULPRIT_BYTES - 4);
  new DataView(target.culprit.buffer, target.culprit.byteOffset, 4).setInt32(0, bytes.length, true);
  target.culprit.set(bytes, 4);
}

/** Records where the fault now killing the worker came from (the first fault wins). */
function blame(): void {
  const scope = currentScope();
  const origin = scope instanceof Origin ? scope : undefined;
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
  const exit = process.exit.bind(process);
  process.exit = ((code?: number | string | null) => {
    blame();
    return exit(code);
  }) as typeof process.exit;
  process.on('uncaughtExceptionMonitor', blame);
  process.on('unhandledRejection', (reason) => {
    blame();
    // Ends the worker as Node's default (`--unhandled-rejections=throw`) would.
    throw reason;
  });
}
