/**
 * Options of `createOffloader`, validated once with zod at the edge, with
 * every default next to its schema. Every invalid option throws a
 * `ValidationError` naming the field, the value and the expectation.
 *
 * The public option types are hand-written interfaces (so each field keeps
 * its TSDoc and `@default`); `test/unit/options.test.ts` checks at compile
 * time that each one equals the `z.input` of its schema here.
 */
import * as z from 'zod';
import type { Backend } from './backends/backend.js';
import { defaultWorkerSizing } from './backends/local/cpu-budget.js';
import { MAX_LOG_BYTES, MAX_TIMEOUT_MS } from './contract/platform.js';
import type { TaskModuleLocation } from './contract/task-module.js';
import { ValidationError } from './errors.js';
import type { BreakerOptions } from './resilience/breaker.js';
import type { RetryOptions } from './resilience/retry.js';
import { CROSS_REGION_USD_PER_GB } from './scheduler/region.js';
import type { BurstPolicy, CostPolicy } from './scheduler/types.js';
import { describeZodError, issuePath } from './zod-issues.js';

/** Options of the local worker pool. */
export interface LocalOptions {
  /**
   * Largest number of worker threads.
   * @default the CPUs this process may use: `os.availableParallelism()`, bounded by the
   * cgroup CPU quota (v2 `cpu.max`, v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`) when
   * one is set, rounded up; `stats().local.sizing` says which
   */
  maxWorkers?: number;
  /**
   * Workers created at start and kept when idle; idle workers above this
   * number exit after `idleTimeoutMs`.
   * @default maxWorkers (all workers are pre-allocated and kept)
   */
  minWorkers?: number;
  /**
   * How long a worker above `minWorkers` may stay idle before it exits.
   * @default 30_000
   */
  idleTimeoutMs?: number;
  /**
   * Largest number of attempts waiting for a worker; one more is rejected
   * with `CapacityError` (`ERR_QUEUE_FULL`). Unbounded by default: every
   * `run()` is accepted, and each queued task costs about 1 KB of main-thread
   * heap plus its encoded input (measured on Node 20: 100,000 queued `run()`
   * calls with a number as input took about 107 MB, the callers' promises
   * included). Set a bound to shed load instead. `map` feeds the queue
   * gradually and never holds more than 8,192 inputs in flight.
   * @default Infinity (unbounded)
   */
  maxQueue?: number;
  /**
   * Replace a worker after it ran this many tasks (Python's
   * `maxtasksperchild`), to contain leaks in task code.
   * @default undefined (workers are never recycled)
   */
  maxTasksPerWorker?: number;
  /**
   * Heap limit of each worker (V8 old generation: piscina `resourceLimits`
   * for threads, `--max-old-space-size` for processes).
   * A task that exhausts it fails with `BackendError` (`ERR_WORKER_OUT_OF_MEMORY`)
   * and the worker is replaced.
   * @default undefined (Node's default heap limit)
   */
  workerMemoryMb?: number;
  /**
   * Young generation of each worker thread, MB (piscina `resourceLimits`;
   * V8 lets it grow to 48). A small one keeps the pool's memory flat: `stream`
   * over 10,000,000 no-op inputs on 2 workers peaks at 285 MB RSS with 4,
   * against about 385 MB with V8's default. It costs speed: at 4, a no-op
   * `map` ran 9% fewer tasks/s and a JSON-heavy task took 5.5% longer in one
   * quiet measurement each, which is why it is not the default. Process
   * workers keep V8's default.
   * @default undefined (V8's default)
   */
  workerYoungGenerationMb?: number;
  /**
   * How long a worker waits, after aborting a running task's `context.signal`
   * (its `timeoutMs` passed, its caller aborted, `destroy()`), for the task to
   * return or throw before the worker is terminated and replaced. The
   * caller's promise settles at once either way. A task's own `abortGraceMs`
   * overrides it; 0 terminates at once.
   * @default 1_000
   */
  abortGraceMs?: number;
  /**
   * Run time after which a local attempt without `timeoutMs` counts as
   * stalled: a `stall` event (once per attempt) and `stats().local.stalls`.
   * A task's own `stallAfterMs` overrides it.
   * @default 10 × each task's measured p99 run time, at least 30_000
   */
  stallAfterMs?: number;
  /**
   * What a stall does: `'report'` (the event only) or `'restart'` (terminate
   * the worker; an idempotent task is sent again, up to 2 times, else it
   * fails with `BackendError` `ERR_WORKER_STALLED`). A task's own `onStall` overrides it.
   * @default 'report'
   */
  onStall?: 'report' | 'restart';
  /**
   * Keyed attempts (a run's `affinityKey`, a task's `affinity`) that may wait
   * for one worker. A keyed task whose worker already has this many waiting
   * goes to the shared queue instead, to run on whichever worker is free
   * first, and an `affinityMiss` event (reason `'queue-full'`) says so: a
   * hot key then spreads rather than waiting behind itself.
   * @default 1_000
   */
  affinityMaxQueue?: number;
  /**
   * Where local tasks run: `'thread'` (piscina worker threads) or
   * `'process'` (child processes started with `child_process.fork`, one
   * attempt per round trip). A process runs the same runtime and contract as
   * a thread, but `process.chdir`, `process.exit`, native addons and changed
   * globals stay inside it, and `maxRssMb` caps its whole memory. A task's
   * own `isolation` overrides it (the other kind of pool starts at its first
   * task, with up to `maxWorkers` workers of its own).
   * @default 'thread'
   */
  isolation?: 'thread' | 'process';
  /**
   * Process isolation only: the hard cap on a worker process's resident
   * memory (RSS: heap, `Buffer`s and native memory together), polled by the
   * parent every 50 ms (`/proc/<pid>/status` on Linux, else reported by the
   * child). A process over it is killed and replaced, and its task fails with
   * `BackendError` (`ERR_WORKER_OUT_OF_MEMORY`). Threads ignore it (their
   * cap is `workerMemoryMb`, heap only).
   * @default undefined (no cap)
   */
  maxRssMb?: number;
  /**
   * Process isolation only: pin each worker process to one CPU (the n-th
   * process started to CPU n modulo the CPU count) with `taskset` on Linux.
   * A no-op elsewhere, and where `taskset` is not installed.
   * @default false
   */
  cpuPinning?: boolean;
}

/** Options of {@link createOffloader}. */
export interface OffloaderOptions {
  /**
   * The task module: the `file:` URL (or path) of the module whose exports
   * are the `offloadable` tasks, e.g. `new URL('./tasks.js', import.meta.url)`.
   * Workers import it; its content hash travels in every envelope.
   */
  tasks: TaskModuleLocation;
  /** The local worker pool. */
  local?: LocalOptions;
  /**
   * Remote backends, e.g. `lambda({...})` from `spillway/aws-lambda`,
   * `cloudFunctions({...})` from `spillway/gcp-functions`, or any object
   * implementing `Backend`. Names must be unique and not `local`.
   * @default []
   */
  remotes?: Backend[];
  /**
   * Burst thresholds: when tasks with `placement: 'auto'` overflow to the
   * remotes. Without it, `auto` tasks stay local and remotes run only the
   * tasks placed on them explicitly.
   * @default undefined (no automatic overflow)
   */
  burst?: BurstPolicy;
  /** Cost rules for overflow: budgets, a per-task cap and the preferred remote. */
  cost?: CostPolicy;
  /** The circuit breaker of each backend. */
  breaker?: BreakerOptions;
  /** Retries (with failover) of infrastructure faults on remotes. */
  retry?: RetryOptions;
  /** Capture of what tasks print, on every backend (a task's own `logs` overrides it). */
  logs?: LogOptions;
  /** What `offloader.timeline()` keeps (see {@link TimelineOptions}). */
  timeline?: TimelineOptions;
}

/**
 * Capture of what a task prints with `console.*`, `process.stdout.write` and
 * `process.stderr.write` while it runs, wherever it runs: each attempt's
 * lines come back as a `log` event, and a failed task's error carries the
 * last ones as `error.logs`. The output still reaches the real streams.
 */
export interface LogOptions {
  /**
   * Capture task output.
   * @default true
   */
  capture?: boolean;
  /**
   * Most text kept per attempt, in UTF-8 bytes (a line's newline counts 1):
   * the last lines are kept, older ones dropped and the logs marked
   * `truncated`. 1 to `MAX_LOG_BYTES` (1 MiB).
   * @default 65_536
   */
  maxBytes?: number;
}

/** Options of the offloader's timeline (`offloader.timeline()`, read by `spillway report`). */
export interface TimelineOptions {
  /**
   * Attempts kept: the oldest are dropped past this (spills, breaker
   * changes, retries and queue samples are bounded by the same number).
   * `0` records nothing.
   * @default 100000
   */
  maxAttempts?: number;
}

const positiveInt = z.number().int().min(1);

/** Schema of {@link LocalOptions}; `maxWorkers` and `minWorkers` get their defaults in {@link resolveOptions} (they depend on each other). */
export const LocalOptionsSchema = z
  .object({
    maxWorkers: positiveInt.optional(),
    minWorkers: z.number().int().min(0).optional(),
    idleTimeoutMs: z.number().min(0).default(30_000),
    maxQueue: positiveInt.default(Number.POSITIVE_INFINITY),
    maxTasksPerWorker: positiveInt.optional(),
    workerMemoryMb: z.number().min(8).optional(),
    workerYoungGenerationMb: z.number().min(1).max(1024).optional(),
    abortGraceMs: z.number().int().min(0).max(MAX_TIMEOUT_MS).default(1_000),
    stallAfterMs: z.number().min(1).optional(),
    onStall: z.enum(['report', 'restart']).default('report'),
    affinityMaxQueue: positiveInt.default(1_000),
    isolation: z.enum(['thread', 'process']).default('thread'),
    maxRssMb: z.number().min(16).optional(),
    cpuPinning: z.boolean().default(false),
  })
  .strict();

/** Schema of {@link LogOptions}, with its defaults. */
export const LogOptionsSchema = z
  .object({
    capture: z.boolean().default(true),
    maxBytes: z.number().int().min(1).max(MAX_LOG_BYTES).default(65_536),
  })
  .strict();

/** Most environments `burst.prewarm` may warm (each warm-up is one billed invocation). */
const MAX_PREWARM_ENVIRONMENTS = 1_000;

/** Schema of {@link BurstPolicy}; an absent threshold never triggers. */
export const BurstPolicySchema = z
  .object({
    maxQueueDepth: z.number().int().min(0).optional(),
    maxWaitMs: z.number().min(0).optional(),
    latencyAware: z.boolean().optional(),
    prewarm: z
      .object({
        maxEnvironments: z.number().int().min(1).max(MAX_PREWARM_ENVIRONMENTS),
        onQueueGrowth: z.number().int().min(1),
      })
      .strict()
      .optional(),
  })
  .strict();

/** Schema of {@link CostPolicy}; an absent budget or cap is unlimited. */
export const CostPolicySchema = z
  .object({
    budgetUsd: z.number().min(0).optional(),
    budgetUsdPerHour: z.number().min(0).optional(),
    maxUsdPerTask: z.number().min(0).optional(),
    prefer: z.union([z.enum(['cheapest', 'fastest']), z.array(z.string().min(1)).min(1).readonly()]).default('cheapest'),
    crossRegionUsdPerGb: z.number().min(0).default(CROSS_REGION_USD_PER_GB),
  })
  .strict();

/** Schema of {@link BreakerOptions}, with its defaults. */
export const BreakerOptionsSchema = z
  .object({
    errorThresholdPercentage: z.number().min(1).max(100).default(50),
    volumeThreshold: z.number().int().min(0).default(5),
    resetTimeoutMs: z.number().min(1).default(10_000),
    rollingWindowMs: z.number().min(10).default(10_000),
  })
  .strict();

/** Schema of {@link RetryOptions}, with its defaults. */
export const RetryOptionsSchema = z
  .object({
    retries: z.number().int().min(0).default(3),
    minDelayMs: z.number().min(0).default(50),
    maxDelayMs: z.number().min(0).default(2_000),
  })
  .strict();

const BackendSchema = z.custom<Backend>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Backend).name === 'string' &&
    typeof (value as Backend).invoke === 'function' &&
    typeof (value as Backend).close === 'function' &&
    typeof (value as Backend).destroy === 'function',
  {
    error: 'expected a backend: an object with `name`, `invoke(envelope, options)`, `close()` and `destroy()`, such as lambda({...}) or cloudFunctions({...})',
  },
);

/** Schema of {@link OffloaderOptions}. */
export const OffloaderOptionsSchema = z
  .object({
    tasks: z.union([z.instanceof(URL), z.string().min(1)], {
      error: 'expected the task module as a URL or a path, e.g. new URL("./tasks.js", import.meta.url)',
    }),
    local: LocalOptionsSchema.prefault({}),
    remotes: z.array(BackendSchema).default(() => []),
    burst: BurstPolicySchema.optional(),
    cost: CostPolicySchema.prefault({}),
    breaker: BreakerOptionsSchema.prefault({}),
    retry: RetryOptionsSchema.prefault({}),
    logs: LogOptionsSchema.prefault({}),
    timeline: z
      .object({ maxAttempts: z.number().int().min(0).default(100_000) })
      .strict()
      .prefault({}),
  })
  .strict();

type ParsedOptions = z.output<typeof OffloaderOptionsSchema>;

/** Options with every default applied. */
export interface ResolvedOffloaderOptions extends Omit<ParsedOptions, 'local'> {
  local: Omit<ParsedOptions['local'], 'maxWorkers' | 'minWorkers'> & {
    maxWorkers: number;
    minWorkers: number;
    /** Where `maxWorkers` came from (see `WorkerSizing.source`). */
    maxWorkersSource: string;
  };
}

function fail(message: string, path: string): never {
  throw new ValidationError(message, { path });
}

/** Checks what one field's schema cannot: unique remote names, and `cost.prefer` naming remotes. */
function checkNames(remotes: readonly Backend[], prefer: ParsedOptions['cost']['prefer']): void {
  const names = new Set<string>(['local']);
  for (const [index, remote] of remotes.entries()) {
    if (names.has(remote.name)) {
      fail(
        `Expected \`remotes[${index}].name\` to be unique and not "local", got ${JSON.stringify(remote.name)}: pass a \`name\` option to one of the backends`,
        `remotes[${index}].name`,
      );
    }
    names.add(remote.name);
  }
  if (typeof prefer === 'string') return;
  const known = remotes.map((remote) => remote.name).join(', ') || 'none given';
  for (const [index, name] of prefer.entries()) {
    if (!names.has(name) || name === 'local') {
      fail(`Expected \`cost.prefer[${index}]\` to name one of the remotes (${known}), got ${JSON.stringify(name)}`, `cost.prefer[${index}]`);
    }
  }
}

/** Validates options and applies defaults; throws `ValidationError` on the first invalid field. */
export function resolveOptions(options: unknown): ResolvedOffloaderOptions {
  const parsed = OffloaderOptionsSchema.safeParse(options, { reportInput: true });
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ValidationError(`Invalid offloader options: ${describeZodError('', parsed.error)}`, {
      path: first === undefined ? undefined : issuePath('', first),
    });
  }
  const { local, ...rest } = parsed.data;
  const { maxWorkers, source } = local.maxWorkers === undefined ? defaultWorkerSizing() : { maxWorkers: local.maxWorkers, source: 'option' };
  const minWorkers = local.minWorkers ?? maxWorkers;
  if (minWorkers > maxWorkers) {
    fail(`Expected \`local.minWorkers\` to be <= \`local.maxWorkers\` (${maxWorkers}), got ${minWorkers}`, 'local.minWorkers');
  }
  checkNames(rest.remotes, rest.cost.prefer);
  return { ...rest, local: { ...local, maxWorkers, minWorkers, maxWorkersSource: source } };
}
