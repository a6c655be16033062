/**
 * The runtime: executes one task envelope against a task module (decode,
 * validate input, run, validate output, encode). The local worker and the
 * cloud handlers all call {@link createRuntime}, so a task behaves the same
 * wherever it runs.
 */

import { isOffloadError, SerializationError, TimeoutError, ValidationError } from '../errors.js';
import { withTraceHeaders } from '../observability/trace-context.js';
import type { TaskContext } from '../task.js';
import { describeZodError } from '../zod-issues.js';
import { deserialize, serialize, serializeParts } from './codec.js';
import { ENVELOPE_VERSION, type ErrorKind, type ResultEnvelope, TaskEnvelope, WARM_UP_TASK } from './envelope.js';
import { encodeError } from './error-codec.js';
import { openTaskLog, type TaskLogCapture } from './log-capture.js';
import { ownFields, prototypeShadows } from './own-fields.js';
import { plainEnvelope } from './plain-envelope.js';
import { setupRunner } from './setup-runner.js';
import type { TaskRegistry } from './task-module.js';

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  /** Content hash of the task module this runtime serves; envelopes carrying another hash are refused as stale. */
  bundleHash: string;
  /**
   * Enforce `timeoutMs` inside the runtime (abort the task's signal and answer
   * with a timeout). Backends that stop over-time work from outside (the
   * local pool terminates the worker) turn this off.
   * @default true
   */
  enforceTimeouts?: boolean;
  /**
   * What task functions read as `context.backend`: where they run.
   * @default 'remote'
   */
  backend?: string;
  /**
   * The task module's `onWorkerStart` export: run once, before the first
   * envelope this runtime executes (see {@link createRuntime}).
   */
  onWorkerStart?: () => unknown;
}

/** Per-call options of {@link Runtime.execute}. */
export interface ExecuteOptions {
  /**
   * Aborts the task's `context.signal` (with this signal's reason) besides
   * the runtime's own timeout; or a function that makes that signal, called
   * when the task first reads `context.signal` (nothing is made for tasks
   * that never do).
   */
  signal?: AbortSignal | (() => AbortSignal);
  /** The out-of-band bytes of `envelope.input` (its `binary.views`), passed by a backend that posts them beside the envelope (structured clone). */
  inputBinary?: readonly Uint8Array[];
  /**
   * Answer with the output's binary leaves out of band, in the result's
   * `binary` (a thread boundary), instead of inlined as base64. Their
   * buffers are listed to be moved when the task's definition sets `transfer`.
   */
  binaryOutput?: boolean;
}

/** Executes envelopes against one task module. */
export interface Runtime {
  /** Content hash of the served task module. */
  readonly bundleHash: string;
  /** Names of the tasks this runtime can run. */
  readonly taskNames: readonly string[];
  /** Runs one envelope (any parsed JSON value) and always answers with a result envelope; it never throws. */
  execute(envelope: unknown, options?: ExecuteOptions): Promise<ResultEnvelope>;
}

function failure(id: string, kind: ErrorKind, error: unknown, durationMs = 0): ResultEnvelope {
  return { version: ENVELOPE_VERSION, id, ok: false, kind, error: encodeError(error), durationMs };
}

/** `result` with what the attempt printed, when it was captured and printed anything. */
function withLogs(result: ResultEnvelope, capture: TaskLogCapture | undefined): ResultEnvelope {
  const logs = capture?.finish();
  if (logs !== undefined) result.logs = logs;
  return result;
}

function withFields(error: Error, fields: Record<string, unknown>): Error {
  return Object.assign(error, fields);
}

/**
 * What a thrown value means. Checked by brand and code, not `instanceof`: the
 * task module may import another copy of spillway than the runtime (a bundle,
 * a second install). Only the task's own validation and timeout count; the
 * same errors from a nested task call are the task's fault.
 */
function classify(error: unknown, taskName: string): ErrorKind {
  try {
    if (!isOffloadError(error) || error.taskName !== taskName) return 'task';
    if (error.code === 'ERR_INVALID_INPUT' || error.code === 'ERR_INVALID_OUTPUT') return 'validation';
    if (error.code === 'ERR_TIMEOUT') return 'timeout';
  } catch {
    // A value whose properties cannot be read (a Proxy with throwing traps) is the task's own.
  }
  return 'task';
}

/** The fields of a task envelope: while `Object.prototype` has none of them, envelopes are read as they are. */
const ENVELOPE_FIELDS = Object.keys(TaskEnvelope.shape);

/** Signal of attempts the runtime does not stop itself (no timeout here; the backend stops them from outside). */
const NEVER_ABORTED = new AbortController().signal;

async function runWithTimeout<T>(
  work: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number | undefined,
  taskName: string,
  outer: AbortSignal | undefined,
): Promise<T> {
  if (timeoutMs === undefined) return work(outer ?? NEVER_ABORTED);
  const controller = new AbortController();
  const forward = (): void => controller.abort(outer?.reason);
  if (outer?.aborted) forward();
  else outer?.addEventListener('abort', forward, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new TimeoutError(`Task "${taskName}" ran longer than its timeoutMs of ${timeoutMs} ms`, { timeoutMs, taskName });
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', forward);
  }
}

/** Where a lazy context keeps the maker of its signal. */
const MAKE_SIGNAL = Symbol('spillway.makeSignal');
type LazyContext = Omit<TaskContext, 'signal'> & { [MAKE_SIGNAL]: () => AbortSignal };

/**
 * `signal` of a lazy context: one getter shared by all of them (an object
 * literal with its own getter costs about half a microsecond per task).
 */
const LAZY_SIGNAL: PropertyDescriptor = {
  get(this: LazyContext): AbortSignal {
    return this[MAKE_SIGNAL]();
  },
  enumerable: true,
  configurable: true,
};

/** A task context whose `signal` (an own enumerable property, as in every context) is made by `makeSignal` when the task first reads it. */
function lazyContext(makeSignal: () => AbortSignal, { taskId, attempt, backend }: Omit<TaskContext, 'signal'>): TaskContext {
  const context: LazyContext = { taskId, attempt, backend, [MAKE_SIGNAL]: makeSignal };
  return Object.defineProperty(context, 'signal', LAZY_SIGNAL) as LazyContext & TaskContext;
}

/**
 * Creates the runtime for a task registry. Nothing from an envelope is ever
 * evaluated: the task is looked up by name among the module's exports.
 *
 * Per-worker setup: before the first envelope, the module's `onWorkerStart`
 * (option) runs, and before a task's first envelope, its `setup`; each once
 * per runtime (a local worker, a warm function instance). When one throws,
 * the envelope fails with `TaskError` `ERR_TASK_SETUP` and the next envelope
 * runs it again.
 */
export function createRuntime(registry: TaskRegistry, options: RuntimeOptions): Runtime {
  const { bundleHash, onWorkerStart } = options;
  const setups = setupRunner();
  const enforceTimeouts = options.enforceTimeouts ?? true;
  const backend = options.backend ?? 'remote';
  const taskNames = Object.freeze([...registry.keys()]);

  async function execute(raw: unknown, executeOptions?: ExecuteOptions): Promise<ResultEnvelope> {
    // Own fields only, in and out: a task that changed Object.prototype (say `timeoutMs`) on a warm instance changes no later envelope.
    const shadowed = prototypeShadows(ENVELOPE_FIELDS);
    const plain = shadowed ? undefined : plainEnvelope(raw);
    const parsed =
      plain !== undefined ? ({ success: true, data: plain } as const) : TaskEnvelope.safeParse(shadowed ? ownFields(raw) : raw, { reportInput: true });
    if (!parsed.success) {
      const id = typeof (raw as { id?: unknown } | null)?.id === 'string' ? (raw as { id: string }).id : '';
      return failure(
        id,
        'bad-envelope',
        new ValidationError(`Malformed task envelope: ${describeZodError('envelope', parsed.error)}`, { code: 'ERR_BAD_ENVELOPE' }),
      );
    }
    const envelope: TaskEnvelope = shadowed ? ownFields(parsed.data) : parsed.data;
    // A warm-up runs nothing: loading the module (done by now) is the environment's INIT.
    if (envelope.task === WARM_UP_TASK) return { version: ENVELOPE_VERSION, id: envelope.id, ok: true, output: serialize(null, 'output'), durationMs: 0 };
    if (envelope.bundleHash !== bundleHash) {
      return failure(
        envelope.id,
        'stale-bundle',
        withFields(
          new Error(
            `The backend runs task module build ${bundleHash}, but the caller sent ${envelope.bundleHash}: redeploy the bundle (spillway bundle && spillway deploy) or restart the caller`,
          ),
          {
            expectedHash: envelope.bundleHash,
            actualHash: bundleHash,
          },
        ),
      );
    }
    const task = registry.get(envelope.task);
    if (task === undefined) {
      return failure(
        envelope.id,
        'unknown-task',
        new Error(
          `Unknown task "${envelope.task}": the task module exports ${taskNames.length === 0 ? 'no offloadable tasks' : taskNames.map((name) => `"${name}"`).join(', ')}. Export the task from the module given as \`tasks\``,
        ),
      );
    }
    let input: unknown;
    try {
      input = deserialize(envelope.input, 'input', executeOptions?.inputBinary);
    } catch (error) {
      const path = (error as { path?: unknown }).path;
      return failure(
        envelope.id,
        'bad-envelope',
        new ValidationError(`Cannot decode the input of task "${envelope.task}": ${(error as Error).message}`, {
          code: 'ERR_BAD_ENVELOPE',
          cause: error,
          ...(typeof path === 'string' ? { path } : {}),
        }),
      );
    }
    const name = task.definition.name;
    const { setup } = task.definition;
    if ((onWorkerStart !== undefined && !setups.ready.has('')) || (setup !== undefined && !setups.ready.has(name))) {
      const failed = await setups.prepare(name, onWorkerStart, setup);
      if (failed !== undefined) return failure(envelope.id, 'task', failed);
    }
    const timeoutMs = enforceTimeouts ? envelope.timeoutMs : undefined;
    // Only when the envelope asks for it: an attempt without `logs` pays nothing for capture.
    const capture = envelope.logs === undefined ? undefined : openTaskLog(envelope.logs.maxBytes);
    const startedAt = performance.now();
    let output: unknown;
    try {
      const outer = executeOptions?.signal;
      const context = { taskId: envelope.id, attempt: envelope.attempt, backend };
      // In the caller's trace context (when the envelope carries one), so spans the task makes join the caller's trace.
      const run = () =>
        timeoutMs === undefined && typeof outer === 'function'
          ? task.invoke(input, lazyContext(outer, context))
          : runWithTimeout((signal) => task.invoke(input, { signal, ...context }), timeoutMs, name, typeof outer === 'function' ? outer() : outer);
      output = await (capture === undefined ? withTraceHeaders(envelope.headers, run) : capture.run(() => withTraceHeaders(envelope.headers, run)));
    } catch (error) {
      const kind = classify(error, name);
      const encodable = kind === 'timeout' ? withFields(error as Error, { timeoutMs }) : error;
      return withLogs(failure(envelope.id, kind, encodable, performance.now() - startedAt), capture);
    }
    const durationMs = performance.now() - startedAt;
    try {
      if (executeOptions?.binaryOutput !== true)
        return withLogs({ version: ENVELOPE_VERSION, id: envelope.id, ok: true, output: serialize(output, 'output'), durationMs }, capture);
      const { text, binary } = serializeParts(output, 'output', task.definition.transfer === true, true);
      const result: ResultEnvelope = { version: ENVELOPE_VERSION, id: envelope.id, ok: true, output: text, durationMs };
      if (binary !== undefined) result.binary = binary;
      return withLogs(result, capture);
    } catch (error) {
      const kind: ErrorKind = error instanceof SerializationError ? 'serialization' : 'task';
      return withLogs(
        failure(envelope.id, kind, isOffloadError(error) ? error : new SerializationError(String(error), { path: 'output' }), durationMs),
        capture,
      );
    }
  }

  return { bundleHash, taskNames, execute };
}
