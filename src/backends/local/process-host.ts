/**
 * The entry of a process-isolated local worker (`local.isolation:
 * 'process'`): a child process that runs the same worker code as a worker
 * thread (`worker.ts`, through the shared runtime) on its main thread, so
 * `process.chdir`, `process.exit` and native addons act on this process only.
 *
 * A process cannot share memory with its parent, so this host keeps each
 * chunk's progress buffer and the abort doorbell here, and speaks to the
 * parent (`process-pool.ts`) through IPC messages: `run` (a chunk), `stop`
 * (mark the running envelope aborted or timed out and ring the doorbell),
 * `ready`, `reply` and `rss`. When the process dies, its `exit` handler
 * writes where the fault came from (the chunk's fault marker and culprit, see
 * `fault-origin.ts`) and the uncaught error, if any, as one JSON line to file
 * descriptor 4, a pipe the parent reads synchronously-written lines from.
 */
import { writeSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { type ExitNote, type FromHost, ownBuffers, type ProcessHostConfig, type ToHost } from './process-messages.js';
import {
  type ChunkMessage,
  type ChunkReply,
  CULPRIT_BYTES,
  createProgressBuffer,
  culpritByte,
  type LocalWorkerData,
  PROGRESS,
  packEnvelopes,
  SLOT_CANCELLED,
  SLOT_STARTED,
} from './wire-format.js';

const FAULT_FD = 4;
/** piscina's `valueSymbol` (a registered symbol), read without loading piscina. */
const PISCINA_VALUE = Symbol.for('Piscina.valueOf');
const config = JSON.parse(process.argv[2] ?? '{}') as ProcessHostConfig;
const bell = new SharedArrayBuffer(4);
const bellView = new Int32Array(bell);
const home = process.cwd();

// worker.ts reads `workerData` and `threadId` from node:worker_threads when it
// loads: give it this process's, as a worker thread would have them.
const threads = createRequire(import.meta.url)('node:worker_threads') as { workerData: LocalWorkerData; threadId: number };
threads.workerData = {
  tasksUrl: config.tasksUrl,
  abortBell: bell,
  ...(config.maxTasksPerWorker === undefined ? {} : { maxTasksPerWorker: config.maxTasksPerWorker }),
};
threads.threadId = process.pid;
syncBuiltinESMExports();

let last: { seq: number; progress: SharedArrayBuffer; size: number } | undefined;
/** Stop requests for a chunk that has not begun here yet, by chunk number. */
const early = new Map<number, { index: number; state: number }>();
let uncaught: string | undefined;
process.on('uncaughtExceptionMonitor', (error) => {
  uncaught ??= error instanceof Error ? error.message : String(error);
});
process.on('exit', () => {
  const note: ExitNote = { fault: 0, culprit: '', ...(uncaught === undefined ? {} : { error: uncaught }) };
  if (last !== undefined) {
    note.fault = Atomics.load(new Int32Array(last.progress, PROGRESS.faultByte, 1), 0);
    note.culprit = Buffer.from(new Uint8Array(last.progress, culpritByte(last.size), CULPRIT_BYTES)).toString('base64');
  }
  try {
    writeSync(FAULT_FD, `${JSON.stringify(note)}\n`);
  } catch {
    // The parent is gone: nobody reads the note.
  }
});
// The parent died or let this process go.
process.on('disconnect', () => process.exit(0));

const { default: runChunk } = (await import('./worker.js')) as { default: (message: ChunkMessage) => Promise<ChunkReply> };

function send(message: FromHost): void {
  process.send?.(message);
}

/** The reply itself when piscina's `move` wrapped it (worker.ts marks moved buffers that way): IPC copies the bytes. */
function unwrap(reply: ChunkReply): ChunkReply {
  return (reply as unknown as Record<symbol, ChunkReply | undefined>)[PISCINA_VALUE] ?? reply;
}

async function run(message: Extract<ToHost, { t: 'run' }>): Promise<void> {
  const progress = createProgressBuffer(message.size);
  last = { seq: message.seq, progress, size: message.size };
  const stopped = early.get(message.seq);
  early.delete(message.seq);
  if (stopped !== undefined) stop(message.seq, stopped.index, stopped.state);
  const chunk: ChunkMessage = { envelopes: message.envelopes, progress, ...(message.binary === undefined ? {} : { binary: ownBuffers(message.binary) }) };
  const reply = unwrap(await runChunk(chunk));
  // A task's `process.chdir` stays with that task: the next one starts in the process's first directory.
  if (process.cwd() !== home) process.chdir(home);
  send({ t: 'reply', reply });
}

/** Asks envelope `index` of chunk `seq` to stop: skipped if it has not started, else its signal aborts (see `abort-watch.ts`). */
function stop(seq: number, index: number, state: number): void {
  if (last === undefined || seq > last.seq) early.set(seq, { index, state });
  if (last?.seq !== seq) return;
  const slots = new Int32Array(last.progress, PROGRESS.slotsByte, last.size);
  if (index >= slots.length || Atomics.compareExchange(slots, index, 0, SLOT_CANCELLED) === 0) return;
  if (Atomics.compareExchange(slots, index, SLOT_STARTED, state) !== SLOT_STARTED) return;
  Atomics.add(bellView, 0, 1);
  Atomics.notify(bellView, 0);
}

// Load the task module before the first chunk (an empty chunk does it), so a chunk's time is its tasks' time.
let turn: Promise<void> = runChunk({ envelopes: packEnvelopes([]), progress: createProgressBuffer(0) }).then(() => send({ t: 'ready' }));
process.on('message', (message: ToHost) => {
  if (message.t === 'stop') stop(message.seq, message.index, message.state);
  else turn = turn.then(() => run(message));
});
if (config.rssReportMs !== undefined) {
  setInterval(() => send({ t: 'rss', bytes: process.memoryUsage.rss() }), config.rssReportMs).unref();
}
