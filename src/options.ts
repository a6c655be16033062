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
import { MAX_LOG_BYTES } from './contract/platform.js';
import type { TaskModuleLocation } from './contract/task-module.js';
import { ValidationError } from './errors.js';
import { type LocalOptions, LocalOptionsSchema } from './local-options.js';
import type { BreakerOptions } from './resilience/breaker.js';
import type { RetryOptions } from './resilience/retry.js';
import { CROSS_REGION_USD_PER_GB } from './scheduler/region.js';
import type { BurstPolicy, CostPolicy } from './scheduler/types.js';
import { describeZodError, issuePath } from './zod-issues.js';

export type { LocalOptions } from './local-options.js';

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
