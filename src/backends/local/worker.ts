/**
 * The local worker: piscina loads this file in every worker thread. It
 * imports the task module once and runs chunks of envelopes through the
 * shared runtime, one envelope after another.
 */
import { threadId, workerData } from 'node:worker_threads';
import type { ResultEnvelope, TaskEnvelope } from '../../contract/envelope.js';
import { encodeError } from '../../contract/error-codec.js';
import { createRuntime, type Runtime } from '../../contract/runtime.js';
import { loadTaskModule } from '../../contract/task-module-load.js';
import { canRestoreTraceContext } from '../../observability/trace-context.js';
import { driftSince, type GlobalBaseline, quickDrift, takeBaseline } from '../global-drift.js';
import { beginAttempt, endAttempt, listenForAborts } from './abort-watch.js';
import { closeChunk, openChunk, type RunningChunk, runAttributed, traceFaults } from './fault-origin.js';
import {
  type ChunkMessage,
  type ChunkReply,
  type LocalWorkerData,
  PROGRESS,
  packResults,
  SLOT_CANCELLED,
  SLOT_STARTED,
  unpackEnvelopes,
  type WorkerTaint,
} from './wire-format.js';

const data = workerData as LocalWorkerData;
let runtime: Promise<Runtime> | undefined;
let executed = 0;
/** Object.prototype and the enumerable globals once the task module had loaded. */
let baseline: GlobalBaseline | undefined;
/** A task changed them: this worker runs nothing more and hands back every chunk it still gets. */
let tainted = false;
traceFaults();
listenForAborts(new Int32Array(data.abortBell));
/** Hears each envelope as it starts; set only in a worker process (`process-host.ts`), whose parent cannot read the progress buffer. */
let startListener: ((index: number, startedAt: number) => void) | undefined;

/** Sets the listener that hears each envelope of a chunk start: its index and `Date.now()` then. */
export function onAttemptStart(listener: (index: number, startedAt: number) => void): void {
  startListener = listener;
}

async function loadRuntime(): Promise<Runtime> {
  // The worker hashes the module it actually loaded, so a module edited after
  // the caller started is answered with a stale-bundle error, as a remote would.
  const { registry, bundleHash, onWorkerStart } = await loadTaskModule(data.tasksUrl);
  // The pool stops over-time tasks from outside: it aborts their signal (see abort-watch.ts), then terminates the worker.
  const loaded = createRuntime(registry, { bundleHash, enforceTimeouts: false, backend: 'local', onWorkerStart });
  baseline = takeBaseline();
  return loaded;
}

/** The chunk running now: a worker may hold a second chunk, which waits for this one. */
let previousChunk: Promise<unknown> = Promise.resolve();

/** Runs one chunk after the worker's previous one; see {@link ChunkMessage}. */
export default function runChunk(message: ChunkMessage): Promise<ChunkReply> {
  const reply = previousChunk.then(() => runChunkNow(message));
  previousChunk = reply.catch(() => undefined);
  return reply;
}

async function runChunkNow(message: ChunkMessage): Promise<ChunkReply> {
  if (tainted) return { threadId, results: '[]', retire: true };
  let loaded: Runtime;
  try {
    runtime ??= loadRuntime();
    loaded = await runtime;
  } catch (error) {
    return { threadId, results: '[]', retire: false, loadError: encodeError(error) };
  }
  const envelopes = unpackEnvelopes(message.envelopes);
  const chunk = openChunk(message.progress, envelopes.length);
  try {
    const results: (ResultEnvelope | null)[] = [];
    return await withBinary(await runEnvelopes(loaded, envelopes, message, chunk, results), results);
  } finally {
    closeChunk(chunk);
  }
}

/** Runs the chunk's envelopes in order, pushing each result (`null`: cancelled) to `results`. */
async function runEnvelopes(
  loaded: Runtime,
  envelopes: TaskEnvelope[],
  message: ChunkMessage,
  chunk: RunningChunk,
  results: (ResultEnvelope | null)[],
): Promise<ChunkReply> {
  const { progress } = message;
  const running = new Int32Array(progress, 0, 1);
  Atomics.store(new Int32Array(progress, PROGRESS.threadIdByte, 1), 0, threadId);
  const startedAt = new Float64Array(progress, PROGRESS.startedAtByte, 1);
  const slots = new Int32Array(progress, PROGRESS.slotsByte, envelopes.length);
  const limit = data.maxTasksPerWorker;
  for (let index = 0; index < envelopes.length; index++) {
    if (limit !== undefined && executed >= limit) break;
    if (Atomics.compareExchange(slots, index, 0, SLOT_STARTED) === SLOT_CANCELLED) {
      results.push(null);
      continue;
    }
    startedAt[0] = Date.now();
    Atomics.store(running, 0, index + 1);
    startListener?.(index, startedAt[0]);
    executed++;
    const envelope = envelopes[index];
    const signal = beginAttempt(slots, index, envelope.task, envelope.timeoutMs);
    const inputBinary = message.binary?.[index] ?? undefined;
    results.push(await runAttributed(chunk, index, envelope.task, envelope.id, () => loaded.execute(envelope, { signal, inputBinary, binaryOutput: true })));
    endAttempt(slots, index);
    // A task that changed shared globals retires its worker: the rest of the chunk runs on a fresh one.
    const taint = baseline !== undefined && quickDrift(baseline) ? taintOf(envelope, 1) : undefined;
    if (taint !== undefined) return { threadId, results: packResults(results), retire: true, tainted: taint, traceContext: canRestoreTraceContext() };
  }
  // The full check (new globals too) once per chunk: it names the chunk's last task, the others ran before it.
  const ran = results.filter((result) => result !== null).length;
  const taint = taintOf(
    envelopes.findLast((_, index) => results[index] != null),
    ran,
  );
  return {
    threadId,
    results: packResults(results),
    retire: taint !== undefined || (limit !== undefined && executed >= limit),
    tainted: taint,
    traceContext: canRestoreTraceContext(),
  };
}

type MoveReply = (reply: ChunkReply, transfer: ArrayBuffer[]) => ChunkReply;
/** Marks a reply whose listed buffers piscina moves rather than copies (its `move`), loaded with the first reply that moves any. */
let moveReply: Promise<MoveReply> | undefined;

async function loadMoveReply(): Promise<MoveReply> {
  const { move, transferableSymbol, valueSymbol } = await import('piscina');
  return (reply, transfer) => move({ [transferableSymbol]: transfer, [valueSymbol]: reply } as never) as unknown as ChunkReply;
}

/**
 * `reply` with its results' out-of-band bytes beside the packed text
 * (structured clone), and the buffers the runtime listed moved, not copied.
 */
async function withBinary(reply: ChunkReply, results: readonly (ResultEnvelope | null)[]): Promise<ChunkReply> {
  if (!results.some((result) => result?.binary !== undefined)) return reply;
  const transfer: ArrayBuffer[] = [];
  reply.binary = results.map((result) => {
    if (result?.binary === undefined) return null;
    for (const buffer of result.binary.transfer) if (!transfer.includes(buffer)) transfer.push(buffer);
    return result.binary.views;
  });
  if (transfer.length === 0) return reply;
  moveReply ??= loadMoveReply();
  return (await moveReply)(reply, transfer);
}

/** The taint the tasks that ran up to `envelope` (`ran` of them) left, by the full check; `undefined` when none. */
function taintOf(envelope: TaskEnvelope | undefined, ran: number): WorkerTaint | undefined {
  if (baseline === undefined || envelope === undefined) return undefined;
  const changes = driftSince(baseline);
  if (changes.length === 0) return undefined;
  tainted = true;
  return { taskName: envelope.task, taskId: envelope.id, changes, ran };
}
