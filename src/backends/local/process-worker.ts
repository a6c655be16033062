/**
 * One process of the process-isolated local pool: a `child_process.fork` of
 * `process-host.ts`, its IPC messages and start lines, its death (as the error a worker
 * thread's death would give), the hard cap on its resident memory
 * (`local.maxRssMb`, polled from `/proc/<pid>/status` where it exists, else
 * reported by the child) and its optional CPU pinning (`taskset`).
 */
import { execFile, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { type ExitNote, type FromHost, type ProcessHostConfig, readStartLine, type ToHost } from './process-messages.js';
import type { ChunkReply } from './wire-format.js';

/** How often the parent reads a process's resident memory when `maxRssMb` is set, ms. */
const RSS_POLL_MS = 50;
/** util-linux's `taskset`, looked up on the PATH; an optional system tool, not a dependency. */
const TASKSET = 'taskset';

/** How one process is started. */
export interface ProcessWorkerOptions {
  hostUrl: URL;
  tasksUrl: URL;
  maxTasksPerWorker?: number;
  /** V8 heap limit of the process (`--max-old-space-size`). */
  workerMemoryMb?: number;
  maxRssMb?: number;
  /** The CPU to pin the process to with `taskset`, or undefined. */
  cpu?: number;
}

/** What a process tells its pool. */
export interface ProcessWorkerEvents {
  ready(worker: ProcessWorker): void;
  /** Envelope `index` of chunk `seq` started at `startedAt` (`Date.now()`). */
  started(worker: ProcessWorker, seq: number, index: number, startedAt: number): void;
  reply(worker: ProcessWorker, reply: ChunkReply): void;
  /** The process is gone; `error` says why, or is undefined when the pool ended it. */
  died(worker: ProcessWorker, error: Error | undefined, note: ExitNote | undefined): void;
}

/** The error of a process that went over `local.maxRssMb`; `workerDeathError` maps it to `ERR_WORKER_OUT_OF_MEMORY`. */
export class RssLimitError extends Error {
  readonly code = 'ERR_WORKER_OUT_OF_MEMORY';
  constructor(
    readonly rssMb: number,
    readonly maxRssMb: number,
  ) {
    super(`The worker process used ${rssMb} MB of resident memory, over local.maxRssMb = ${maxRssMb}`);
  }
}

/** Resident memory of process `pid` from `/proc`, in bytes; undefined where `/proc` is not readable. */
function procRss(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** A live child process running chunks one at a time. */
export class ProcessWorker {
  readonly threadId: number;
  ready = false;
  /** A chunk was sent and its reply has not come. */
  busy = false;
  terminating = false;
  readonly #child: ReturnType<typeof fork>;
  readonly #events: ProcessWorkerEvents;
  readonly #maxRssMb: number | undefined;
  #rssTimer: NodeJS.Timeout | undefined;
  /** The pool ended the process, with this error for its chunk (undefined: a quiet end). */
  #ended: { error: Error | undefined } | undefined;
  #note: ExitNote | undefined;
  /** Settles once `taskset` has run: the process counts as ready only then, so no task runs unpinned. */
  #pinned: Promise<void> = Promise.resolve();

  constructor(options: ProcessWorkerOptions, events: ProcessWorkerEvents) {
    this.#events = events;
    this.#maxRssMb = options.maxRssMb;
    const canPoll = options.maxRssMb !== undefined && procRss(process.pid) !== undefined;
    const config: ProcessHostConfig = {
      tasksUrl: options.tasksUrl.href,
      ...(options.maxTasksPerWorker === undefined ? {} : { maxTasksPerWorker: options.maxTasksPerWorker }),
      ...(options.maxRssMb === undefined || canPoll ? {} : { rssReportMs: RSS_POLL_MS }),
    };
    this.#child = fork(options.hostUrl, [JSON.stringify(config)], {
      serialization: 'advanced',
      stdio: ['inherit', 'inherit', 'inherit', 'ipc', 'pipe'],
      execArgv: options.workerMemoryMb === undefined ? [] : [`--max-old-space-size=${options.workerMemoryMb}`],
    });
    this.threadId = this.#child.pid ?? -1;
    const notes = this.#child.stdio[4];
    if (notes != null && 'on' in notes) {
      createInterface({ input: notes as NodeJS.ReadableStream }).on('line', (line) => {
        if (line.startsWith('{')) this.#note = JSON.parse(line) as ExitNote;
        else this.#events.started(this, ...readStartLine(line));
      });
    }
    this.#child.on('message', (message: FromHost) => this.#onMessage(message));
    // A process that could not start (no pid) never closes: it dies here. Other errors (a send to a closing channel) end in 'close'.
    this.#child.on('error', (error) => {
      if (this.#child.pid === undefined && !this.terminating) {
        this.terminating = true;
        clearInterval(this.#rssTimer);
        this.#events.died(this, error, undefined);
      }
    });
    // 'close' comes after the exit note's pipe has ended.
    this.#child.on('close', (code, signal) => this.#onClose(code, signal, options.workerMemoryMb));
    if (canPoll) this.#rssTimer = setInterval(() => this.#checkRss(procRss(this.threadId)), RSS_POLL_MS).unref();
    if (options.cpu !== undefined && process.platform === 'linux') this.#pinned = pin(this.threadId, options.cpu);
    this.idle();
  }

  /** A chunk is assigned to this process: it keeps the parent's event loop alive until the reply. */
  claim(): void {
    this.busy = true;
    this.#child.ref();
    this.#child.channel?.ref();
  }

  /** Sends a message (a chunk or a stop request). */
  send(message: ToHost): void {
    this.#child.send(message);
  }

  /** Ends the process: `error` fails its running chunk (undefined: it has none). Resolves once it is gone. */
  terminate(error?: Error): Promise<void> {
    this.terminating = true;
    this.#ended ??= { error };
    const gone = new Promise<void>((resolve) => {
      if (this.#child.exitCode !== null || this.#child.signalCode !== null) resolve();
      else this.#child.once('close', () => resolve());
    });
    // Hold the event loop until the process is gone ('close' waits for the exit note's pipe too).
    this.#child.ref();
    (this.#child.stdio[4] as { ref?: () => void } | null)?.ref?.();
    this.#child.kill('SIGKILL');
    return gone;
  }

  /** An idle process does not keep the parent's event loop alive. */
  idle(): void {
    this.busy = false;
    this.#child.unref();
    this.#child.channel?.unref();
    const notes = this.#child.stdio[4] as { unref?: () => void } | null;
    notes?.unref?.();
  }

  #onMessage(message: FromHost): void {
    if (message.t === 'rss') this.#checkRss(message.bytes);
    else if (message.t === 'ready') {
      void this.#pinned.then(() => {
        this.ready = true;
        if (!this.terminating) this.#events.ready(this);
      });
    } else {
      this.idle();
      this.#events.reply(this, message.reply);
    }
  }

  #checkRss(bytes: number | undefined): void {
    const limit = this.#maxRssMb;
    if (bytes === undefined || limit === undefined || this.terminating) return;
    const rssMb = Math.round(bytes / 1048576);
    if (rssMb > limit) void this.terminate(new RssLimitError(rssMb, limit));
  }

  #onClose(code: number | null, signal: NodeJS.Signals | null, workerMemoryMb: number | undefined): void {
    clearInterval(this.#rssTimer);
    this.terminating = true;
    const note = this.#note;
    if (this.#ended !== undefined) {
      this.#events.died(this, this.#ended.error, note);
      return;
    }
    let error: Error;
    if (note?.error !== undefined) error = new Error(note.error);
    else if (signal === 'SIGABRT' && workerMemoryMb !== undefined)
      error = Object.assign(new Error('The worker process ran out of heap'), { code: 'ERR_WORKER_OUT_OF_MEMORY' });
    else if (signal !== null) error = new Error(`The worker process was killed by ${signal}`);
    else error = new Error(`The worker exited with code ${code ?? 0} (process ${this.threadId})`);
    this.#events.died(this, error, note);
  }
}

/** Pins process `pid` to `cpu` with `taskset`; where `taskset` is missing or refuses, the process runs unpinned. */
function pin(pid: number, cpu: number): Promise<void> {
  return new Promise((resolve) => execFile(TASKSET, ['-p', '-c', String(cpu), String(pid)], () => resolve()));
}
