/**
 * Options of `createOffloader`, validated once with zod at the edge. Every
 * invalid option throws a `ValidationError` naming the field, the value and
 * the expectation.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import type { Backend } from './backends/backend.js';
import { ValidationError } from './errors.js';
import type { BreakerOptions, RetryOptions } from './resilience.js';
import type { BurstPolicy, CostPolicy } from './scheduler.js';
import type { TaskModuleLocation } from './task-module.js';
import { describeZodError, issuePath } from './zod-issues.js';

/** Options of the local worker pool. */
export interface LocalOptions {
  /**
   * Largest number of worker threads.
   * @default os.availableParallelism()
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
   * with `CapacityError` (`ERR_QUEUE_FULL`). `map` feeds the queue gradually
   * and never hits this limit on its own.
   * @default 10_000
   */
  maxQueue?: number;
  /**
   * Replace a worker after it ran this many tasks (Python's
   * `maxtasksperchild`), to contain leaks in task code.
   * @default undefined (workers are never recycled)
   */
  maxTasksPerWorker?: number;
  /**
   * Heap limit of each worker (V8 old generation, piscina `resourceLimits`).
   * A task that exhausts it fails with `BackendError` (`ERR_WORKER_OUT_OF_MEMORY`)
   * and the worker is replaced.
   * @default undefined (Node's default heap limit)
   */
  workerMemoryMb?: number;
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
  /** The circuit breaker of each remote. */
  breaker?: BreakerOptions;
  /** Retries (with failover) of infrastructure faults on remotes. */
  retry?: RetryOptions;
}

const positiveInt = z.number().int().min(1);

const LocalOptionsSchema = z
  .object({
    maxWorkers: positiveInt.optional(),
    minWorkers: z.number().int().min(0).optional(),
    idleTimeoutMs: z.number().min(0).optional(),
    maxQueue: positiveInt.optional(),
    maxTasksPerWorker: positiveInt.optional(),
    workerMemoryMb: z.number().min(8).optional(),
  })
  .strict();

const OffloaderOptionsSchema = z
  .object({
    tasks: z.union([z.instanceof(URL), z.string().min(1)], {
      error: 'expected the task module as a URL or a path, e.g. new URL("./tasks.js", import.meta.url)',
    }),
    local: LocalOptionsSchema.optional(),
    remotes: z
      .array(
        z.custom<Backend>(
          (value) =>
            typeof value === 'object' &&
            value !== null &&
            typeof (value as Backend).name === 'string' &&
            typeof (value as Backend).invoke === 'function' &&
            typeof (value as Backend).close === 'function' &&
            typeof (value as Backend).destroy === 'function',
          {
            error:
              'expected a backend: an object with `name`, `invoke(envelope, options)`, `close()` and `destroy()`, such as lambda({...}) or cloudFunctions({...})',
          },
        ),
      )
      .optional(),
    burst: z
      .object({
        maxQueueDepth: z.number().int().min(0).optional(),
        maxWaitMs: z.number().min(0).optional(),
      })
      .strict()
      .optional(),
    cost: z
      .object({
        budgetUsd: z.number().min(0).optional(),
        budgetUsdPerHour: z.number().min(0).optional(),
        maxUsdPerTask: z.number().min(0).optional(),
        prefer: z.union([z.enum(['cheapest', 'fastest']), z.array(z.string().min(1)).min(1)]).optional(),
      })
      .strict()
      .optional(),
    breaker: z
      .object({
        errorThresholdPercentage: z.number().min(1).max(100).optional(),
        volumeThreshold: z.number().int().min(0).optional(),
        resetTimeoutMs: z.number().min(1).optional(),
        rollingWindowMs: z.number().min(10).optional(),
      })
      .strict()
      .optional(),
    retry: z
      .object({
        retries: z.number().int().min(0).optional(),
        minDelayMs: z.number().min(0).optional(),
        maxDelayMs: z.number().min(0).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** Options with every default applied. */
export interface ResolvedOffloaderOptions {
  tasks: TaskModuleLocation;
  remotes: Backend[];
  burst?: BurstPolicy;
  cost: CostPolicy;
  breaker: BreakerOptions;
  retry: RetryOptions;
  local: Required<Omit<LocalOptions, 'maxTasksPerWorker' | 'workerMemoryMb'>> & Pick<LocalOptions, 'maxTasksPerWorker' | 'workerMemoryMb'>;
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
  const local = parsed.data.local ?? {};
  const maxWorkers = local.maxWorkers ?? availableParallelism();
  const minWorkers = local.minWorkers ?? maxWorkers;
  if (minWorkers > maxWorkers) {
    throw new ValidationError(`Expected \`local.minWorkers\` to be <= \`local.maxWorkers\` (${maxWorkers}), got ${minWorkers}`, { path: 'local.minWorkers' });
  }
  const remotes = parsed.data.remotes ?? [];
  const names = new Set<string>(['local']);
  for (const [index, remote] of remotes.entries()) {
    if (names.has(remote.name)) {
      throw new ValidationError(
        `Expected \`remotes[${index}].name\` to be unique and not "local", got ${JSON.stringify(remote.name)}: pass a \`name\` option to one of the backends`,
        { path: `remotes[${index}].name` },
      );
    }
    names.add(remote.name);
  }
  const cost = parsed.data.cost ?? {};
  if (Array.isArray(cost.prefer)) {
    for (const [index, name] of cost.prefer.entries()) {
      if (!names.has(name) || name === 'local') {
        throw new ValidationError(
          `Expected \`cost.prefer[${index}]\` to name one of the remotes (${[...names].filter((known) => known !== 'local').join(', ') || 'none given'}), got ${JSON.stringify(name)}`,
          {
            path: `cost.prefer[${index}]`,
          },
        );
      }
    }
  }
  return {
    tasks: parsed.data.tasks,
    remotes,
    ...(parsed.data.burst === undefined ? {} : { burst: parsed.data.burst }),
    cost,
    breaker: parsed.data.breaker ?? {},
    retry: parsed.data.retry ?? {},
    local: {
      maxWorkers,
      minWorkers,
      idleTimeoutMs: local.idleTimeoutMs ?? 30_000,
      maxQueue: local.maxQueue ?? 10_000,
      ...(local.maxTasksPerWorker === undefined ? {} : { maxTasksPerWorker: local.maxTasksPerWorker }),
      ...(local.workerMemoryMb === undefined ? {} : { workerMemoryMb: local.workerMemoryMb }),
    },
  };
}
