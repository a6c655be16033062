/**
 * The message format between the local backend and its workers: a chunk of
 * envelopes run in order in one worker round trip, plus a small shared
 * buffer through which the worker says which envelope it is running (so a
 * crash, timeout or abort fails only that task) and the caller can cancel
 * envelopes that have not started, or ask the running one to stop.
 */
import { ENVELOPE_VERSION, type EncodedError, type ErrorKind, type ResultEnvelope, type TaskEnvelope } from '../../contract/envelope.js';
import type { TaskLogs } from '../../contract/task-log.js';

/**
 * Byte layout of a chunk's shared progress buffer. It starts with an Int32 at
 * byte 0: 1 + index of the envelope running now (0: none started yet).
 */
export const PROGRESS = {
  /**
   * Int32 at byte 4: where a fault that kills the worker came from, written by
   * the worker before it dies. 0: unknown or the running envelope; 1 + index:
   * an earlier envelope of this chunk; {@link FAULT_FROM_SETTLED_TASK}: a task
   * of an earlier chunk, whose `task\0id` is in the culprit region.
   */
  faultByte: 4,
  /** Float64 at byte 8: `Date.now()` when the running envelope started. */
  startedAtByte: 8,
  /** Int32 at byte 16: the `threadId` of the worker that took the chunk (0: not taken yet). */
  threadIdByte: 16,
  /** Int32 per envelope from byte 20: its `SLOT_*` state, changed with compare-and-swap where both sides write. */
  slotsByte: 20,
} as const;

/** Slot state: the caller cancelled the envelope before the worker reached it. */
export const SLOT_CANCELLED = 1;
/** Slot state: the worker started the envelope (its user code may be running). */
export const SLOT_STARTED = 2;
/** Slot state: the envelope's run finished (user code returned or threw); its result is in the reply. */
export const SLOT_DONE = 3;
/** Slot state: started, and the caller asked it to stop (aborted or destroyed). */
export const SLOT_ABORT = 4;
/** Slot state: started, and the caller asked it to stop because it passed its `timeoutMs`. */
export const SLOT_TIMEOUT = 5;

/** {@link PROGRESS}.faultByte value: the fault came from a task of an earlier chunk, which has settled. */
export const FAULT_FROM_SETTLED_TASK = -1;

/** Bytes of the culprit region at the end of a progress buffer: an Int32 length, then UTF-8 `task\0id`. */
export const CULPRIT_BYTES = 260;

/** Byte offset of the culprit region in the progress buffer of a chunk of `size` envelopes. */
export function culpritByte(size: number): number {
  return PROGRESS.slotsByte + 4 * size;
}

/** Allocates the progress buffer for a chunk of `size` envelopes. */
export function createProgressBuffer(size: number): SharedArrayBuffer {
  return new SharedArrayBuffer(culpritByte(size) + CULPRIT_BYTES);
}

/**
 * What the local backend posts to a worker. The envelopes travel as one JSON
 * text ({@link packEnvelopes}): copying one string between threads is much
 * cheaper than the structured clone of thousands of small objects.
 */
export interface ChunkMessage {
  /** The chunk's envelopes, packed by {@link packEnvelopes}. */
  envelopes: string;
  progress: SharedArrayBuffer;
  /** Per envelope, the out-of-band bytes of its input (structured clone), or `null`; absent when no envelope has any. See {@link chunkBinary}. */
  binary?: (Uint8Array[] | null)[];
  /** The chunk, for the pool's balancer only (a symbol key: structured clone leaves it behind). */
  [key: symbol]: unknown;
}

/** A task that left shared globals changed on its worker. */
export interface WorkerTaint {
  taskName: string;
  taskId: string;
  /** What changed, such as `Object.prototype.timeoutMs (added)`. */
  changes: string[];
  /** Tasks of the chunk that ran up to and including this one: with more than 1, any of them may have made the change (new globals are checked once per chunk). */
  ran: number;
}

/** What a worker answers. */
export interface ChunkReply {
  threadId: number;
  /** One result per envelope, packed by {@link packResults}; shorter than the chunk when the worker retired. */
  results: string | PackedResult[];
  /** The worker reached `maxTasksPerWorker` and must be replaced; envelopes after the last result did not run. */
  retire: boolean;
  /** The task module could not be loaded in the worker. */
  loadError?: EncodedError;
  /** Per result, the out-of-band bytes of its output, or `null`; absent when no output has any. */
  binary?: (Uint8Array[] | null)[];
  /** The last task that ran changed `Object.prototype` or added an enumerable global (see `global-drift.ts`); `retire` is true. */
  tainted?: WorkerTaint;
  /**
   * The worker has a context manager, so a task there runs in the trace
   * context its envelope carries; false: trace headers would be ignored there
   * (the caller then sends none). Set on replies of chunks that ran.
   */
  traceContext?: boolean;
}

/** True when `headers` hold `traceparent` and nothing else. */
function onlyTraceparent(headers: Record<string, string>): boolean {
  for (const key in headers) if (key !== 'traceparent') return false;
  return typeof headers.traceparent === 'string';
}

/**
 * A chunk's envelopes as one JSON text: the fields every envelope of the
 * chunk shares once (the `logs` request of its first envelope too), then one
 * tuple per envelope. Lossless: {@link unpackEnvelopes} rebuilds the exact
 * envelopes (trace headers included), which the runtime then validates like
 * any other. (Tuples parse about twice as fast as objects.)
 */
export function packEnvelopes(envelopes: readonly TaskEnvelope[]): string {
  const bundleHash = envelopes[0]?.bundleHash ?? '';
  const sharedLogBytes = envelopes[0]?.logs?.maxBytes;
  const items = new Array<unknown[]>(envelopes.length);
  for (let index = 0; index < envelopes.length; index++) {
    const envelope = envelopes[index];
    const item: unknown[] = [envelope.id, envelope.task, envelope.attempt, envelope.input, envelope.timeoutMs ?? null];
    const { headers, logs } = envelope;
    // Only a `logs` request unlike the chunk's is sent with its envelope (`null`: none).
    const ownLogs = logs?.maxBytes === sharedLogBytes ? undefined : (logs?.maxBytes ?? null);
    if (envelope.bundleHash !== bundleHash || envelope.version !== ENVELOPE_VERSION) item.push(envelope.bundleHash, envelope.version);
    else if (headers !== undefined || ownLogs !== undefined) item.push(null, null);
    // Trace headers of a traced task: usually `traceparent` alone, sent as its bare string.
    if (headers !== undefined) item.push(onlyTraceparent(headers) ? headers.traceparent : headers);
    else if (ownLogs !== undefined) item.push(null);
    if (ownLogs !== undefined) item.push(ownLogs);
    items[index] = item;
  }
  return JSON.stringify(sharedLogBytes === undefined ? [ENVELOPE_VERSION, bundleHash, items] : [ENVELOPE_VERSION, bundleHash, items, sharedLogBytes]);
}

/** The out-of-band bytes of a chunk's inputs, and the buffers to move with them. */
export interface ChunkBinary {
  binary: (Uint8Array[] | null)[];
  transferList: ArrayBuffer[];
}

/**
 * The out-of-band bytes of `envelopes`' inputs, aligned with them, or
 * `undefined` when none has any. An input whose buffers were moved by an
 * earlier post (`transfer`) has none left: it is sent without them and its
 * worker answers that it cannot decode it, so only that task fails.
 */
export function chunkBinary(envelopes: readonly TaskEnvelope[]): ChunkBinary | undefined {
  let chunk: ChunkBinary | undefined;
  for (let index = 0; index < envelopes.length; index++) {
    const parts = envelopes[index].binary;
    if (parts === undefined) continue;
    chunk ??= { binary: new Array<Uint8Array[] | null>(envelopes.length).fill(null), transferList: [] };
    if (parts.moved === true) continue;
    chunk.binary[index] = parts.views;
    if (parts.transfer.length === 0) continue;
    parts.moved = true;
    for (const buffer of parts.transfer) if (!chunk.transferList.includes(buffer)) chunk.transferList.push(buffer);
  }
  return chunk;
}

/** Rebuilds the envelopes packed by {@link packEnvelopes}. */
export function unpackEnvelopes(text: string): TaskEnvelope[] {
  const [version, bundleHash, items, sharedLogBytes] = JSON.parse(text) as [number, string, unknown[][], number | undefined];
  return items.map((item) => {
    const envelope = {
      version: item[6] ?? version,
      id: item[0],
      task: item[1],
      bundleHash: item[5] ?? bundleHash,
      attempt: item[2],
      input: item[3],
      // Always an own property, so a polluted `Object.prototype.timeoutMs` never reads through.
      timeoutMs: (item[4] ?? undefined) as number | undefined,
    } as TaskEnvelope;
    const headers = item[7];
    if (headers != null) envelope.headers = typeof headers === 'string' ? { traceparent: headers } : (headers as Record<string, string>);
    const logBytes = item[8] === undefined ? sharedLogBytes : item[8];
    if (logBytes != null) envelope.logs = { maxBytes: logBytes as number };
    return envelope;
  });
}

/** One result as {@link packResults} packs it; what the task printed (when captured) makes it a 4-tuple. */
function packResult(result: ResultEnvelope): Exclude<PackedResult, null> {
  const { logs } = result;
  if (result.ok) return logs === undefined ? [result.durationMs, result.output] : [result.durationMs, result.output, null, logs];
  return logs === undefined ? [result.durationMs, result.kind, result.error] : [result.durationMs, result.kind, result.error, logs];
}

/**
 * Outputs longer than this in all (UTF-16 code units) leave the worker as an
 * array, not one JSON text: escaping can make the text up to 6 times as long
 * as the outputs, and V8's longest string is 2^29 - 24 units.
 */
const MAX_JSON_PACKED_OUTPUT = 2 ** 26;

/** One packed result, as {@link unpackResults} yields it. */
export type PackedResult =
  | null
  | [durationMs: number, output: string]
  | [durationMs: number, kind: ErrorKind, error: EncodedError]
  | [durationMs: number, output: string, none: null, logs: TaskLogs]
  | [durationMs: number, kind: ErrorKind, error: EncodedError, logs: TaskLogs];

/**
 * A chunk's results, `null` (cancelled), `[durationMs, output]` or
 * `[durationMs, kind, error]` each (with captured lines `[durationMs, output,
 * null, logs]` / `[durationMs, kind, error, logs]`): as one JSON text, or as
 * the array itself (structured-cloned) when the outputs are too long for one text.
 */
export function packResults(results: readonly (ResultEnvelope | null)[]): string | PackedResult[] {
  let outputChars = 0;
  const packed = results.map((result): PackedResult => {
    if (result === null) return null;
    if (result.ok) outputChars += result.output.length;
    return packResult(result);
  });
  if (outputChars > MAX_JSON_PACKED_OUTPUT) return packed;
  try {
    return JSON.stringify(packed);
  } catch (error) {
    // An error envelope too long for one text.
    if (error instanceof RangeError) return packed;
    throw error;
  }
}

/** The results packed by {@link packResults}; {@link toResultEnvelope} rebuilds each envelope. */
export function unpackResults(packed: string | PackedResult[]): PackedResult[] {
  return typeof packed === 'string' ? (JSON.parse(packed) as PackedResult[]) : packed;
}

/** Rebuilds the result envelope of the task with id `id` from its packed form and the out-of-band bytes of its output, if any. */
export function toResultEnvelope(id: string, packed: Exclude<PackedResult, null>, binary?: Uint8Array[] | null): ResultEnvelope {
  const result: ResultEnvelope =
    packed.length === 2 || packed[2] === null
      ? { version: ENVELOPE_VERSION, id, ok: true, output: packed[1], durationMs: packed[0] }
      : { version: ENVELOPE_VERSION, id, ok: false, kind: packed[1] as ErrorKind, error: packed[2], durationMs: packed[0] };
  if (packed.length === 4) result.logs = packed[3];
  if (binary != null && result.ok) result.binary = { views: binary, transfer: [] };
  return result;
}

/** Data every local worker is started with. */
export interface LocalWorkerData {
  tasksUrl: string;
  /**
   * The pool's doorbell, an Int32 shared by all its workers: the caller adds
   * 1 and notifies after it set a running envelope's slot to {@link
   * SLOT_ABORT} or {@link SLOT_TIMEOUT} (see `abort-watch.ts`).
   */
  abortBell: SharedArrayBuffer;
  maxTasksPerWorker?: number;
}
