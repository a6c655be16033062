/**
 * `offloadable()`: a task function with a name, optional zod schemas and
 * per-task limits. The result is still callable like the original function
 * (it validates and runs inline, in whatever thread calls it) and carries its
 * definition so an offloader can run it on a worker or a remote.
 */
import * as z from 'zod';
import { MAX_LOG_BYTES, MAX_TIMEOUT_MS } from './contract/platform.js';
import { ValidationError } from './errors.js';
import { type HedgeOptions, HedgeOptionsSchema, notIdempotentError } from './hedge-options.js';
import { describeZodError, issuePath } from './zod-issues.js';

const OFFLOADABLE = Symbol.for('spillway.offloadable');
const NAME_PATTERN = /^[A-Za-z][\w.-]{0,127}$/;

/** What a task function receives beside its input. */
export interface TaskContext {
  /**
   * Aborts when the attempt passes its `timeoutMs` (reason: a `TimeoutError`),
   * when the caller's `signal` aborts or the offloader is destroyed (reason:
   * an `AbortError`). Locally the task then has `abortGraceMs` to return or
   * throw before its worker is terminated; remote handlers abort it at the
   * task's deadline. Never aborts for inline calls.
   */
  signal: AbortSignal;
  /** Task id, stable across retries and failover; empty for inline calls. */
  taskId: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** Where the attempt runs: `'local'` (a worker of the pool), `'aws-lambda'`, `'gcp-functions'`, `'remote'` (another handler) or `'inline'`. */
  backend: string;
}

/** The definition given to {@link offloadable}. */
export interface TaskDefinition<
  InputSchema extends z.ZodType | undefined = undefined,
  OutputSchema extends z.ZodType | undefined = undefined,
  Input = unknown,
> {
  /** Unique name within the task module, 1-128 characters: a letter, then letters, digits, `_`, `.`, `-`. */
  name: string;
  /** Zod schema of the input; validated before the function runs, wherever it runs. */
  input?: InputSchema;
  /** Zod schema of the output; validated after the function returns. */
  output?: OutputSchema;
  /**
   * Limit for one attempt's run time (queue time not counted). Locally the
   * worker running an over-time task is terminated and replaced. At most
   * `MAX_TIMEOUT_MS` (2^31-1 ms).
   * @default undefined (no limit)
   */
  timeoutMs?: number;
  /**
   * The task can safely run more than once for the same input (a pure
   * function). Idempotent tasks may be re-run after an infrastructure fault
   * and may share a worker round trip with other tasks.
   * @default true
   */
  idempotent?: boolean;
  /**
   * How long a local worker waits, after aborting the task's `context.signal`
   * (timeout, the caller's abort, `destroy()`), for the task to return or
   * throw before the worker is terminated. Overrides `local.abortGraceMs`.
   * @default the offloader's `local.abortGraceMs` (1,000 ms)
   */
  abortGraceMs?: number;
  /** Memory the task needs, as a hint for remote backends. */
  memoryMb?: number;
  /**
   * How many times the task's own error is retried before it is reported.
   * @default 0
   */
  retries?: number;
  /** Typical run time, used to size batches and predict waits before any run was measured. */
  expectedDurationMs?: number;
  /**
   * Run time after which an attempt counts as stalled: a `stall` event
   * (once per attempt) and `stats().backends[name].stalls` (local ones also
   * `stats().local.stalls`). On a remote it is the wall time since the
   * attempt was sent. Attempts with a `timeoutMs` are never watched.
   * @default locally `local.stallAfterMs`, on a remote its `stallAfterMs`; else 10 × the task's p99 there, at least 30 s
   */
  stallAfterMs?: number;
  /**
   * What a local stall does: `'report'` (the event only) or `'restart'`
   * (terminate the worker; an idempotent task is sent again, up to 2 times,
   * else it fails with `BackendError` `ERR_WORKER_STALLED`). A remote stall
   * is always reported only.
   * @default `local.onStall` (`'report'`)
   */
  onStall?: 'report' | 'restart';
  /**
   * Where the task runs unless a call says otherwise: `auto`, `local`,
   * `remote` or a backend name (see the offloader's `placement`).
   * @default 'auto'
   */
  placement?: string;
  /**
   * Move binary buffers to and from the local worker instead of copying
   * them: the buffers of the input's typed arrays, `Buffer`s, `DataView`s and
   * `ArrayBuffer`s that span a whole `ArrayBuffer` are transferred, so the
   * caller's copies are detached (length 0) once the task is sent, and the
   * same holds for the output's buffers in the worker (set it only when the
   * task returns buffers it does not keep). An input moved this way cannot
   * be sent again: a retry or failover fails with `SerializationError`, a
   * resend after its worker crashed with `ValidationError`
   * (`ERR_BAD_ENVELOPE`). Remote backends copy as usual. A call's own
   * `transfer` overrides it for the input.
   * @default false
   */
  transfer?: boolean;
  /**
   * This task's capture of what it prints, over the offloader's `logs`
   * option field by field: `capture` turns it on or off, `maxBytes` (1 to
   * `MAX_LOG_BYTES`) is the most text kept per attempt.
   * @default the offloader's `logs`
   */
  logs?: { capture?: boolean; maxBytes?: number };
  /**
   * The affinity key of an input: local attempts with the same key go to the
   * same live worker (rendezvous hashing over the pool's workers), so a
   * cache that `setup` or the task fills there is reused. Called in the
   * caller's thread before the input is validated; `undefined` means no key.
   * A call's `affinityKey` option wins. Remote attempts ignore it.
   */
  affinity?: (input: InputOf<InputSchema, Input>) => string | undefined;
  /**
   * Runs once per worker (each local worker thread, each warm cloud function
   * instance) before the task's first attempt there, never in the
   * application's thread: the place to load a model, parse a dictionary or
   * open a file into module scope, the warm cache that `affinity` exists
   * for. Keep what it loads in module scope: a worker whose globals change
   * is retired. If it throws, that attempt fails with `TaskError`
   * `ERR_TASK_SETUP` and the next attempt on that worker runs it again.
   */
  setup?: () => unknown;
  /**
   * Where the data an input reads lives: a region name (`'eu-west-1'`), or
   * the region and the bytes the task moves from it. The scheduler prefers
   * a remote in that region (and so does failover), prices a remote
   * elsewhere with `cost.crossRegionUsdPerGb`, and bills the move into the
   * spend (and the budgets) when the task runs there. Without `bytes` the
   * move carries the input as encoded for the network.
   */
  dataRegion?: (input: InputOf<InputSchema, Input>) => DataLocation | string | undefined;
  /**
   * Where this task's local attempts run, over the offloader's
   * `local.isolation`: `'process'` for a task that calls `process.chdir` or
   * `process.exit`, loads a native addon that is not thread-safe, changes
   * globals on purpose, or needs `local.maxRssMb`'s cap on its whole memory;
   * `'thread'` for one that does not. Remote attempts ignore it.
   * @default the offloader's `local.isolation` ('thread')
   */
  isolation?: 'thread' | 'process';
  /** Backup attempts for stragglers of this idempotent task (see {@link HedgeOptions}); a call's `hedge` overrides it. @default off */
  hedge?: HedgeOptions;
}

/** Where a task's data lives (see {@link TaskDefinition.dataRegion}). */
export interface DataLocation {
  /** The region holding the data, named as the remotes' `region`. */
  region: string;
  /** Bytes the task moves from that region. */
  bytes?: number;
}

/** A task definition with defaults applied, as carried by an {@link Offloadable}. */
export interface ResolvedTaskDefinition {
  readonly name: string;
  readonly input?: z.ZodType;
  readonly output?: z.ZodType;
  readonly timeoutMs?: number;
  readonly idempotent: boolean;
  readonly abortGraceMs?: number;
  readonly memoryMb?: number;
  readonly retries: number;
  readonly expectedDurationMs?: number;
  readonly stallAfterMs?: number;
  readonly onStall?: 'report' | 'restart';
  readonly placement?: string;
  readonly transfer?: boolean;
  readonly logs?: { readonly capture?: boolean; readonly maxBytes?: number };
  readonly affinity?: (input: never) => string | undefined;
  readonly setup?: () => unknown;
  readonly dataRegion?: (input: never) => DataLocation | string | undefined;
  readonly isolation?: 'thread' | 'process';
  readonly hedge?: HedgeOptions;
}

/** A task: callable inline like the original function, and runnable by an offloader. */
export interface Offloadable<In, Out> {
  /** Validates the input, runs the function in this thread, validates the output. */
  (input: In): Promise<Out>;
  /** The task's definition with defaults applied. */
  readonly definition: ResolvedTaskDefinition;
  /** @internal Runs with an explicit context; used by the runtime. */
  readonly invoke: (input: unknown, context: TaskContext) => Promise<Out>;
}

/** Any task, whatever its input and output. */
// biome-ignore lint/suspicious/noExplicitAny: variance: a task of any input must be accepted here.
export type AnyOffloadable = Offloadable<any, unknown>;
/** The input type a task accepts. */
export type TaskInput<T> = T extends Offloadable<infer In, unknown> ? In : never;
/** The output type a task resolves to. */
export type TaskOutput<T> = T extends Offloadable<never, infer Out> ? Out : never;

type InputOf<S, Fallback> = S extends z.ZodType ? z.input<S> : Fallback;
type ParsedOf<S, Fallback> = S extends z.ZodType ? z.output<S> : Fallback;

/** True when `value` is a task made by {@link offloadable} (from any copy of spillway). */
export function isOffloadable(value: unknown): value is AnyOffloadable {
  return typeof value === 'function' && (value as unknown as Record<symbol, unknown>)[OFFLOADABLE] === true;
}

/** A zod schema from any installed copy of zod: what `validate` needs is `safeParse`. */
const zodSchema = z.custom<z.ZodType>((value) => typeof (value as z.ZodType | undefined)?.safeParse === 'function', { error: 'expected a zod schema' });

/** A function-valued field of a definition, typed as {@link ResolvedTaskDefinition} carries it. */
function fn<F>() {
  return z.custom<F>((value) => typeof value === 'function', { error: 'expected a function' });
}

/** Schema of a {@link TaskDefinition}, with the defaults of `idempotent` and `retries`. */
const TaskDefinitionSchema = z.object({
  name: z.string().regex(NAME_PATTERN, { error: 'expected 1-128 characters: a letter, then letters, digits, "_", "." or "-"' }),
  input: zodSchema.optional(),
  output: zodSchema.optional(),
  timeoutMs: z.number().min(1).max(MAX_TIMEOUT_MS).optional(),
  idempotent: z.boolean().default(true),
  abortGraceMs: z.number().int().min(0).max(MAX_TIMEOUT_MS).optional(),
  memoryMb: z.number().min(1).optional(),
  retries: z.number().int().min(0).default(0),
  expectedDurationMs: z.number().min(0).optional(),
  stallAfterMs: z.number().min(1).optional(),
  onStall: z.enum(['report', 'restart']).optional(),
  placement: z.string().min(1).optional(),
  transfer: z.boolean().optional(),
  logs: z
    .object({ capture: z.boolean().optional(), maxBytes: z.number().int().min(1).max(MAX_LOG_BYTES).optional() })
    .strict()
    .optional(),
  affinity: fn<ResolvedTaskDefinition['affinity']>().optional(),
  setup: fn<ResolvedTaskDefinition['setup']>().optional(),
  dataRegion: fn<ResolvedTaskDefinition['dataRegion']>().optional(),
  isolation: z.enum(['thread', 'process']).optional(),
  hedge: HedgeOptionsSchema.optional(),
});

function resolveDefinition(definition: TaskDefinition<z.ZodType | undefined, z.ZodType | undefined>): ResolvedTaskDefinition {
  const parsed = TaskDefinitionSchema.safeParse(definition, { reportInput: true });
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const name = typeof definition?.name === 'string' ? ` "${definition.name}"` : '';
    throw new ValidationError(`Invalid definition of task${name}: ${describeZodError('', parsed.error)}`, {
      path: first === undefined ? undefined : issuePath('', first),
    });
  }
  if (parsed.data.hedge !== undefined && !parsed.data.idempotent) throw notIdempotentError(parsed.data.name);
  return Object.freeze({ ...definition, ...parsed.data });
}

function validate(schema: z.ZodType | undefined, value: unknown, root: 'input' | 'output', taskName: string): unknown {
  if (schema === undefined) return value;
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  throw new ValidationError(`Invalid ${root} for task "${taskName}": ${describeZodError(root, parsed.error)}`, {
    path: first === undefined ? root : issuePath(root, first),
    code: root === 'input' ? 'ERR_INVALID_INPUT' : 'ERR_INVALID_OUTPUT',
    taskName,
  });
}

const INLINE_SIGNAL = new AbortController().signal;

/**
 * Wraps a task function so it can run inline, on a local worker or on a remote.
 *
 * @example
 * export const digest = offloadable(
 *   { name: 'digest', input: z.object({ text: z.string(), rounds: z.number().int().min(1) }), output: z.string() },
 *   async ({ text, rounds }) => sha256Rounds(text, rounds),
 * );
 */
export function offloadable<
  InputSchema extends z.ZodType | undefined = undefined,
  OutputSchema extends z.ZodType | undefined = undefined,
  Input = unknown,
  Result = unknown,
>(
  definition: TaskDefinition<InputSchema, OutputSchema, Input>,
  fn: (input: ParsedOf<InputSchema, Input>, context: TaskContext) => Result,
): Offloadable<InputOf<InputSchema, Input>, OutputSchema extends z.ZodType ? z.output<OutputSchema> : Awaited<Result>>;
/** Shorthand without schemas: `offloadable('name', fn)`. */
export function offloadable<Input, Result>(name: string, fn: (input: Input, context: TaskContext) => Result): Offloadable<Input, Awaited<Result>>;
export function offloadable(
  definitionOrName: string | TaskDefinition<z.ZodType | undefined, z.ZodType | undefined>,
  fn: (input: unknown, context: TaskContext) => unknown,
): AnyOffloadable {
  const definition = resolveDefinition(typeof definitionOrName === 'string' ? { name: definitionOrName } : definitionOrName);
  if (typeof fn !== 'function') {
    throw new ValidationError(`Expected the second argument of offloadable("${definition.name}") to be the task function, got ${typeof fn}`, { path: 'fn' });
  }
  const invoke = async (input: unknown, context: TaskContext): Promise<unknown> => {
    const parsedInput = validate(definition.input, input, 'input', definition.name);
    const output = await fn(parsedInput, context);
    return validate(definition.output, output, 'output', definition.name);
  };
  const task = (input: unknown) => invoke(input, { signal: INLINE_SIGNAL, taskId: '', attempt: 1, backend: 'inline' });
  Object.defineProperty(task, 'name', { value: definition.name });
  Object.defineProperties(task, {
    definition: { value: definition, enumerable: true },
    invoke: { value: invoke },
    [OFFLOADABLE]: { value: true },
  });
  return task as unknown as AnyOffloadable;
}
