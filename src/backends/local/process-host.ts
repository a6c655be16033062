/**
 * The entry of a process-isolated local worker (`local.isolation:
 * 'process'`): a child process that runs the same worker code as a worker
 * thread (`worker.ts`, through the shared runtime) on its main thread, so
 * `process.chdir`, `process.exit` and native addons act on this process only.
 *
 * A process cannot share memory with its parent, so this host keeps each
 * chunk's progress buffer and the abort doorbell here, and speaks to the
 * parent (`process-pool.ts`) through IPC messages: `run` (a chunk of several
 * envelopes, with those cancelled before it left), `stop` (an envelope was
 * cancelled, aborted or timed out: skipped if it has not started, else its
 * signal aborts), `ready`, `reply` and `rss`. File descriptor 4, a pipe,
 * carries what must reach the parent even if this process is killed next,
 * written synchronously: a line as each envelope starts (`startLine`), and,
 * from the `exit` handler, where a fault came from (the chunk's fault marker
 * and culprit, see `fault-origin.ts`) and the uncaught error, if any, as one
 * JSON line.
 */
import { writeSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { type ExitNote, type FromHost, ownBuffers, type ProcessHostConfig, startLine, type ToHost } from './process-messages.js';
import {
  type ChunkMessage,
  type ChunkReply,
  CULPRIT_BYTES,
  createProgressBuffer,
  culpritByte,
  type LocalWorkerData,
  PROGRESS,
  packEnvelopes,
  SLOT_ABORT,
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

interface HostChunk {
  seq: number;
  progress: SharedArrayBuffer;
  size: number;
}
/** The chunks this process was sent and has not answered, by chunk number: stop requests apply to them at once. */
const chunks = new Map<number, HostChunk>();
/** The chunk running now, or run last: the exit note reports its fault origin. */
let last: HostChunk | undefined;
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

const worker = (await import('./worker.js')) as {
  default: (message: ChunkMessage) => Promise<ChunkReply>;
  onAttemptStart(listener: (index: number, startedAt: number) => void): void;
};
const runChunk = worker.default;
// Each start reaches the parent before the task's code runs (a synchronous write), so the parent
// knows which attempt runs when it times, stops or loses this process.
worker.onAttemptStart((index, startedAt) => {
  if (last === undefined) return;
  try {
    writeSync(FAULT_FD, startLine(last.seq, index, startedAt));
  } catch {
    // The parent is gone: this process is about to exit.
  }
});

function send(message: FromHost): void {
  process.send?.(message);
}

/** The reply itself when piscina's `move` wrapped it (worker.ts marks moved buffers that way): IPC copies the bytes. */
function unwrap(reply: ChunkReply): ChunkReply {
  return (reply as unknown as Record<symbol, ChunkReply | undefined>)[PISCINA_VALUE] ?? reply;
}

async function run(message: Extract<ToHost, { t: 'run' }>, chunk: HostChunk): Promise<void> {
  last = chunk;
  const { progress } = chunk;
  const reply = unwrap(
    await runChunk({ envelopes: message.envelopes, progress, ...(message.binary === undefined ? {} : { binary: ownBuffers(message.binary) }) }),
  );
  chunks.delete(chunk.seq);
  // A task's `process.chdir` stays with that task: the next one starts in the process's first directory.
  if (process.cwd() !== home) process.chdir(home);
  send({ t: 'reply', reply });
}

/** Takes chunk `message` in: the envelopes cancelled before it left are skipped; it runs after the chunk before it. */
function receive(message: Extract<ToHost, { t: 'run' }>): void {
  const chunk: HostChunk = { seq: message.seq, progress: createProgressBuffer(message.size), size: message.size };
  const slots = new Int32Array(chunk.progress, PROGRESS.slotsByte, message.size);
  for (const index of message.skip ?? []) Atomics.store(slots, index, SLOT_CANCELLED);
  chunks.set(chunk.seq, chunk);
  turn = turn.then(() => run(message, chunk));
}

/**
 * Applies the parent's change `state` to envelope `index` of chunk `seq`: an
 * envelope not started yet is skipped; a started one has its signal aborted
 * (see `abort-watch.ts`), also when a cancellation arrives after it started.
 */
function stop(seq: number, index: number, state: number): void {
  const chunk = chunks.get(seq);
  if (chunk === undefined || index >= chunk.size) return;
  const slots = new Int32Array(chunk.progress, PROGRESS.slotsByte, chunk.size);
  const previous = Atomics.compareExchange(slots, index, 0, SLOT_CANCELLED);
  if (previous === 0 || previous === SLOT_CANCELLED) return;
  if (Atomics.compareExchange(slots, index, SLOT_STARTED, state === SLOT_CANCELLED ? SLOT_ABORT : state) !== SLOT_STARTED) return;
  Atomics.add(bellView, 0, 1);
  Atomics.notify(bellView, 0);
}

// Load the task module before the first chunk (an empty chunk does it), so a chunk's time is its tasks' time.
let turn: Promise<void> = runChunk({ envelopes: packEnvelopes([]), progress: createProgressBuffer(0) }).then(() => send({ t: 'ready' }));
process.on('message', (message: ToHost) => {
  if (message.t === 'stop') stop(message.seq, message.index, message.state);
  else receive(message);
});
if (config.rssReportMs !== undefined) {
  setInterval(() => send({ t: 'rss', bytes: process.memoryUsage.rss() }), config.rssReportMs).unref();
}
