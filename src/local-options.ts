/**
 * Options of the local worker pool (`createOffloader({ local })`): the
 * documented interface and its zod schema, checked equal to each other in
 * `test/unit/options.test.ts`.
 */
import * as z from 'zod';
import { MAX_TIMEOUT_MS } from './contract/platform.js';

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
   * V8 lets it grow to 48). A small one lowers the pool's peak memory:
   * `stream` over 10,000,000 no-op inputs on 2 workers peaked at 316-383 MB
   * RSS with 4, against about 420 MB with V8's default (`npm run
   * bench:stream`). It costs tasks that build large transient objects: a
   * JSON-heavy task took 10% longer at 16 and 18% longer at 8, which is why it
   * is not the default. Process workers keep V8's default.
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
   * process started to the n-th CPU this process may run on, modulo their
   * count: the `Cpus_allowed_list` that `taskset` or a cpuset left it) with
   * `taskset` on Linux.
   * A no-op elsewhere, and where `taskset` is not installed.
   * @default false
   */
  cpuPinning?: boolean;
}

const positiveInt = z.number().int().min(1);

/** Schema of {@link LocalOptions}; `maxWorkers` and `minWorkers` get their defaults in `resolveOptions` (they depend on each other). */
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
