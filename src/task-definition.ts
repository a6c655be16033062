/**
 * What `offloadable()` is given and keeps: the task definition's public
 * types, its zod schema with the defaults of `idempotent` and `retries`, and
 * the context a task function receives.
 */
import * as z from 'zod';
import { MAX_LOG_BYTES, MAX_TIMEOUT_MS } from './contract/platform.js';
import { ValidationError } from './errors.js';
import { type HedgeOptions, HedgeOptionsSchema, notIdempotentError } from './hedge-options.js';
import { describeZodError, issuePath } from './zod-issues.js';

/** A task's input type: the schema's input when there is one, else `Fallback`. */
export type InputOf<S, Fallback> = S extends z.ZodType ? z.input<S> : Fallback;

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

/** Validates a definition and applies its defaults; throws `ValidationError` naming the first bad field. */
export function resolveDefinition(definition: TaskDefinition<z.ZodType | undefined, z.ZodType | undefined>): ResolvedTaskDefinition {
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
