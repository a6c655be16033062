/**
 * Captures what a task prints while it runs, per task: `console.*` and
 * `process.stdout.write` / `process.stderr.write` are wrapped (once per
 * thread, on the first attempt that asks for capture; nothing is wrapped
 * before) and each write goes to the {@link TaskLogBuffer} of the attempt
 * whose async context made it (its {@link AttemptScope}), so two tasks that
 * interleave on one worker or handler instance never get each other's lines.
 * An attempt that already runs in a scope of its own (the local worker makes
 * one per envelope) keeps its buffer there; otherwise capture opens one.
 * Output still reaches the real streams: capture only copies it.
 *
 * The console wrappers matter where a platform replaces the console with
 * functions that bypass `process.stdout` (the Lambda runtime writes to its
 * own log descriptor): when a console call reached no stream, its formatted
 * arguments are recorded instead.
 */
import { format } from 'node:util';
import { AttemptScope, currentScope, runInScope } from './attempt-scope.js';
import { TaskLogBuffer, type TaskLogStream, type TaskLogs } from './task-log.js';

let installed = false;

/** The console methods that print, and the stream Node's console writes each to. */
const CONSOLE_METHODS: readonly (readonly [keyof Console, TaskLogStream])[] = [
  ['log', 'stdout'],
  ['info', 'stdout'],
  ['debug', 'stdout'],
  ['dir', 'stdout'],
  ['table', 'stdout'],
  ['warn', 'stderr'],
  ['error', 'stderr'],
  ['trace', 'stderr'],
];

function textOf(chunk: unknown, encoding: unknown): string {
  if (typeof chunk === 'string') {
    return typeof encoding === 'string' && !/^utf-?8$/i.test(encoding) ? Buffer.from(chunk, encoding as BufferEncoding).toString() : chunk;
  }
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString();
  return String(chunk);
}

function wrapStream(stream: TaskLogStream): void {
  const target = process[stream];
  const write = target.write;
  target.write = function (this: unknown, chunk: unknown, ...rest: unknown[]): boolean {
    const log = currentScope()?.log;
    if (log?.open === true) log.write(stream, textOf(chunk, rest[0]), Date.now());
    return Reflect.apply(write, this, [chunk, ...rest]) as boolean;
  } as typeof target.write;
}

function wrapConsole(method: keyof Console, stream: TaskLogStream): void {
  const original = console[method];
  if (typeof original !== 'function') return;
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    const log = currentScope()?.log;
    if (log === undefined) return Reflect.apply(original, this, args);
    const before = log.writes;
    const result = Reflect.apply(original, this, args);
    if (log.open && log.writes === before) log.write(stream, `${format(...args)}\n`, Date.now());
    return result;
  };
  (console as unknown as Record<string, unknown>)[method] = wrapped;
}

function install(): void {
  if (installed) return;
  installed = true;
  wrapStream('stdout');
  wrapStream('stderr');
  for (const [method, stream] of CONSOLE_METHODS) wrapConsole(method, stream);
}

/** One attempt's capture, made by {@link openTaskLog}. */
export interface TaskLogCapture {
  /** Runs `work` so that what it prints (and whatever it starts) is recorded here. */
  run<T>(work: () => T): T;
  /** Stops recording: the lines, or `undefined` when nothing was printed. */
  finish(): TaskLogs | undefined;
}

/** A buffer that is also its own capture: one allocation per attempt. */
class Capture extends TaskLogBuffer implements TaskLogCapture {
  run<T>(work: () => T): T {
    const scope = currentScope();
    if (scope !== undefined && scope.log === undefined) {
      scope.log = this;
      return work();
    }
    const own = new AttemptScope();
    own.log = this;
    return runInScope(own, work);
  }
}

/** Starts capturing one attempt's output, keeping its last `maxBytes` (see `task-log.ts`). */
export function openTaskLog(maxBytes: number): TaskLogCapture {
  install();
  return new Capture(maxBytes);
}
