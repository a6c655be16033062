/**
 * The offloader: the public object that runs tasks. It validates options
 * once, encodes inputs through the contract, hands attempts to a backend
 * (the local pool, for now), rebuilds results and errors, retries a task's
 * own errors as its definition allows, and reports every task exactly once
 * through its promise, its callbacks, events and stats.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter, setMaxListeners } from 'node:events';
import pRetry from 'p-retry';
import type { Backend, InvokeOptions } from './backends/backend.js';
import { type AttemptSink, createLocalBackend, type LocalBackend, type LocalSnapshot } from './backends/local/index.js';
import { deserialize, serialize } from './contract/codec.js';
import { ENVELOPE_VERSION, type ResultEnvelope, type TaskEnvelope } from './contract/envelope.js';
import { decodeError } from './contract/error-codec.js';
import { AbortError, BackendError, CapacityError, isOffloadError, type OffloadError, placeError, ValidationError } from './errors.js';
import type { OffloaderEvents, TaskEventInfo } from './events.js';
import { type OffloaderOptions, resolveOptions } from './options.js';
import { type BackendBreaker, type BreakerTransition, createBackendBreaker, isInfrastructureFault, neverStarted, type RetryOptions } from './resilience.js';
import { type CostPolicy, createScheduler, type Scheduler, type SchedulerSnapshot } from './scheduler.js';
import { type SpendSummary, SpendTracker } from './spend.js';
import { type OffloaderStats, StatsRecorder } from './stats.js';
import { type AnyOffloadable, isOffloadable, type ResolvedTaskDefinition, type TaskInput, type TaskOutput } from './task.js';
import { hashTaskModule, toModuleUrl } from './task-module.js';

/**
 * Where a task runs: `auto` (the scheduler decides: local until the `burst`
 * thresholds say the pool is saturated, then a remote), `local`, `remote` (the first of
 * `remotes`), or a backend's name such as `lambda` or `gcf`.
 */
export type Placement = 'auto' | 'local' | 'remote' | (string & {});

/** Per-call options of {@link Offloader.run}. */
export interface RunOptions<Out> {
  /**
   * Where this call runs; overrides the task's own `placement`.
   * @default the task's placement, else 'auto'
   */
  placement?: Placement;
  /** Cancels the task: a queued task is dropped, a running local task's worker is stopped. Rejects with `AbortError`. */
  signal?: AbortSignal;
  /** Overrides the task's `timeoutMs` for this call (run time of one attempt, queue time not counted). */
  timeoutMs?: number;
  /** Called once when the task succeeds, before the promise resolves. */
  onSuccess?: (result: Out, info: TaskEventInfo) => void;
  /** Called once when the task fails for good, before the promise rejects. */
  onError?: (error: OffloadError, info: TaskEventInfo) => void;
}

/** Progress of a {@link Offloader.map} call. */
export interface MapProgress {
  /** Inputs settled so far (succeeded + failed). */
  done: number;
  /** Inputs in the call. */
  total: number;
  /** Inputs that succeeded so far. */
  succeeded: number;
  /** Inputs that failed so far. */
  failed: number;
}

/** Options of {@link Offloader.map}. */
export interface MapOptions<Out> {
  /** Where every input runs; see {@link RunOptions.placement}. */
  placement?: Placement;
  /** Called after every settled input. */
  onProgress?: (progress: MapProgress) => void;
  /**
   * Reject at the first failure and submit no further inputs (tasks already
   * submitted still settle). When false, every input runs and a failure
   * rejects with an `AggregateError` of all errors at the end, as p-map does.
   * @default true
   */
  stopOnError?: boolean;
  /**
   * Tasks sent to a worker per round trip (Python's `chunksize`).
   * @default automatic, from the task's measured run time
   */
  chunkSize?: number;
  /** Cancels the whole call. */
  signal?: AbortSignal;
  /** Overrides the task's `timeoutMs` for every input. */
  timeoutMs?: number;
  /** Called once per input that succeeds. */
  onSuccess?: (result: Out, info: TaskEventInfo & { index: number }) => void;
  /** Called once per input that fails. */
  onError?: (error: OffloadError, info: TaskEventInfo & { index: number }) => void;
}

/** Runs tasks; create one with {@link createOffloader}. */
export interface Offloader {
  /** Runs one task and resolves with its output, or rejects with an `OffloadError`. */
  run<T extends AnyOffloadable>(task: T, input: TaskInput<T>, options?: RunOptions<TaskOutput<T>>): Promise<TaskOutput<T>>;
  /** Runs a task over many inputs, in batches, and resolves with the outputs in input order. */
  map<T extends AnyOffloadable>(task: T, inputs: Iterable<TaskInput<T>>, options?: MapOptions<TaskOutput<T>>): Promise<TaskOutput<T>[]>;
  /** Subscribes to an event. */
  on<E extends keyof OffloaderEvents>(event: E, listener: (payload: OffloaderEvents[E]) => void): this;
  /** Subscribes to the next occurrence of an event. */
  once<E extends keyof OffloaderEvents>(event: E, listener: (payload: OffloaderEvents[E]) => void): this;
  /** Unsubscribes. */
  off<E extends keyof OffloaderEvents>(event: E, listener: (payload: OffloaderEvents[E]) => void): this;
  /** Counters and latency percentiles per backend, and the live local queue. */
  stats(): OffloaderStats & { local: LocalSnapshot; spend: SpendSummary };
  /** Stops accepting tasks, waits for every submitted task to settle, then stops the workers. */
  close(): Promise<void>;
  /** Cancels everything: each pending task rejects with `AbortError`; then stops the workers. */
  destroy(): Promise<void>;
}

/** Receives a task's final outcome. */
type TaskCallback = (error: OffloadError | undefined, output: unknown) => void;

/** Inputs `map` keeps in flight at once; enough for large batches, bounded for memory. */
const MAP_WINDOW = 8192;

/** Rethrows a user callback's exception outside spillway's bookkeeping, like an EventEmitter listener error. */
function callSafely(callback: () => void): void {
  try {
    callback();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

/** What a {@link TaskRun} needs from its offloader. */
interface RunHost {
  local: LocalBackend;
  /** Infrastructure retry settings. */
  retry: RetryOptions;
  /** The breaker in front of a remote. */
  breakerFor(backend: Backend): BackendBreaker;
  /** Where an attempt goes after `failed` had an infrastructure fault: the next healthy remote, else the local pool. */
  failoverTarget(failed: Backend, task: ResolvedTaskDefinition): Backend;
  /** A remote attempt was sent: counts it in flight and commits its estimated cost against the budget; returns the estimate. */
  remoteStarted(backend: Backend, task: ResolvedTaskDefinition): number;
  /** A remote attempt settled: releases its estimate and bills its measured run time when it ran. */
  remoteSettled(backend: Backend, durationMs: number | undefined, estimatedUsd: number): void;
  /** Aborts when the offloader is destroyed (for remote attempts; the local pool cancels its own). */
  lifetime: AbortSignal;
  stats: StatsRecorder;
  bundleHash: string;
  listening(event: keyof OffloaderEvents): boolean;
  emit<E extends keyof OffloaderEvents>(event: E, payload: OffloaderEvents[E]): void;
  taskSettled(): void;
  destroyed(): boolean;
}

/**
 * One submitted task, from encoding to its single outcome: attempts, retries
 * of the task's own errors, stats, callbacks and events. It is also the
 * backend's {@link AttemptSink} and carries the {@link InvokeOptions}.
 */
class TaskRun implements AttemptSink, InvokeOptions {
  readonly signal: AbortSignal | undefined;
  readonly task: ResolvedTaskDefinition;
  readonly chunkSize: number | undefined;
  readonly #host: RunHost;
  #backend: Backend;
  readonly #taskId: string;
  readonly #input: unknown;
  readonly #options: RunOptions<unknown>;
  readonly #finish: TaskCallback;
  readonly #submittedAt = performance.now();
  #encodedInput = '';
  #attempts = 0;
  #attemptStartedAt = 0;
  #queuedMs = 0;
  #runMs = 0;

  constructor(
    host: RunHost,
    backend: Backend,
    task: AnyOffloadable,
    taskId: string,
    input: unknown,
    options: RunOptions<unknown>,
    chunkSize: number | undefined,
    finish: TaskCallback,
  ) {
    this.#host = host;
    this.#backend = backend;
    this.task = task.definition;
    this.#taskId = taskId;
    this.#input = input;
    this.#options = options;
    this.signal = options.signal;
    this.chunkSize = chunkSize;
    this.#finish = finish;
  }

  #info(): TaskEventInfo {
    return {
      taskName: this.task.name,
      taskId: this.#taskId,
      backend: this.#backend.name,
      attempts: Math.max(1, this.#attempts),
      queuedMs: this.#queuedMs,
      runMs: this.#runMs,
    };
  }

  start(): void {
    try {
      this.#encodedInput = serialize(this.#input, 'input');
    } catch (error) {
      queueMicrotask(() => this.#fail(error as OffloadError));
      return;
    }
    this.#attempt();
  }

  #envelope(): TaskEnvelope {
    this.#attempts++;
    this.#runMs = 0;
    const timeoutMs = this.#options.timeoutMs ?? this.task.timeoutMs;
    const envelope: TaskEnvelope = {
      version: ENVELOPE_VERSION,
      id: this.#taskId,
      task: this.task.name,
      bundleHash: this.#host.bundleHash,
      attempt: this.#attempts,
      input: this.#encodedInput,
    };
    if (timeoutMs !== undefined) envelope.timeoutMs = timeoutMs;
    this.#attemptStartedAt = performance.now();
    return envelope;
  }

  #attempt(): void {
    if (this.#backend === this.#host.local) {
      // The hot path: callbacks, no promise.
      this.#host.local.submit(this.#envelope(), this, this);
      return;
    }
    this.#attemptWithFailover().then(
      (result) => this.settled(undefined, result),
      (error: OffloadError) => this.settled(error, undefined),
    );
  }

  /**
   * A remote attempt through its breaker, with p-retry backoff for
   * infrastructure faults; each retry may fail over to the next healthy
   * backend (the local pool last), keeping the task id and counting attempts.
   */
  #attemptWithFailover(): Promise<ResultEnvelope> {
    const host = this.#host;
    return pRetry(() => this.#attemptOn(this.#backend), {
      retries: host.retry.retries ?? 3,
      factor: 2,
      minTimeout: host.retry.minDelayMs ?? 50,
      maxTimeout: host.retry.maxDelayMs ?? 2_000,
      randomize: true,
      shouldRetry: ({ error }) => {
        if (host.destroyed() || this.signal?.aborted || !isInfrastructureFault(error)) return false;
        // A non-idempotent task runs again only where the fault proves it never started.
        if (!this.task.idempotent && !neverStarted(error)) return false;
        const failed = this.#backend;
        const next = host.failoverTarget(failed, this.task);
        host.stats.retried(failed.name);
        if (host.listening('retry')) {
          const reason = `${failed.name} failed with ${error.name} ${(error as OffloadError).code}: ${error.message}`;
          host.emit('retry', { ...this.#info(), error: error as OffloadError, reason, nextBackend: next.name });
        }
        this.#backend = next;
        return true;
      },
    });
  }

  async #attemptOn(backend: Backend): Promise<ResultEnvelope> {
    const host = this.#host;
    const envelope = this.#envelope();
    if (backend === host.local) {
      // Failover to the pool: its promise API (the hot path uses `submit`).
      return host.local.invoke(envelope, {
        signal: this.signal,
        task: this.task,
        chunkSize: this.chunkSize,
        onDispatch: () => this.dispatched(performance.now()),
      });
    }
    this.dispatched(this.#attemptStartedAt);
    const signal = this.signal === undefined ? host.lifetime : AbortSignal.any([this.signal, host.lifetime]);
    const estimatedUsd = host.remoteStarted(backend, this.task);
    try {
      const result = await host.breakerFor(backend).fire(() => backend.invoke(envelope, { signal, task: this.task }));
      host.remoteSettled(backend, result.durationMs, estimatedUsd);
      return result;
    } catch (error) {
      host.remoteSettled(backend, undefined, estimatedUsd);
      throw isOffloadError(error)
        ? error
        : new BackendError(`Backend "${backend.name}" failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
  }

  dispatched(now: number): void {
    this.#queuedMs = now - this.#attemptStartedAt;
    this.#host.stats.dispatched(this.#backend.name);
    if (this.#host.listening('dispatch')) this.#host.emit('dispatch', this.#info());
  }

  settled(failure: OffloadError | undefined, result: ResultEnvelope | undefined): void {
    const host = this.#host;
    if (failure !== undefined || result === undefined) {
      this.#fail(failure ?? new BackendError(`Backend "${this.#backend.name}" answered without a result`));
      return;
    }
    this.#runMs = result.durationMs;
    if (!result.ok) {
      const error = decodeError(result.kind, result.error, this.#info());
      if (result.kind === 'task' && this.#attempts <= this.task.retries && !host.destroyed()) {
        host.stats.retried(this.#backend.name);
        if (host.listening('retry')) {
          const reason = `the task threw (${error.name}: ${error.message}); attempt ${this.#attempts} of ${this.task.retries + 1}`;
          host.emit('retry', { ...this.#info(), error, reason, nextBackend: this.#backend.name });
        }
        this.#attempt();
        return;
      }
      this.#fail(error);
      return;
    }
    let output: unknown;
    try {
      output = deserialize(result.output);
    } catch (error) {
      this.#fail(
        new BackendError(`The result of task "${this.task.name}" could not be decoded: ${(error as Error).message}`, { cause: error, retryable: false }),
      );
      return;
    }
    host.stats.settled(this.#backend.name, true, performance.now() - this.#submittedAt, this.#runMs);
    const { onSuccess } = this.#options;
    if (onSuccess !== undefined) callSafely(() => onSuccess(output, this.#info()));
    if (host.listening('success')) host.emit('success', this.#info());
    host.taskSettled();
    this.#finish(undefined, output);
  }

  #fail(thrown: OffloadError): void {
    const host = this.#host;
    const error = placeError(thrown, this.#info());
    host.stats.settled(this.#backend.name, false, performance.now() - this.#submittedAt, this.#runMs === 0 ? undefined : this.#runMs);
    const { onError } = this.#options;
    if (onError !== undefined) callSafely(() => onError(error, this.#info()));
    if (host.listening('failure')) host.emit('failure', { ...this.#info(), error });
    host.taskSettled();
    this.#finish(error, undefined);
  }
}

class OffloaderImpl extends EventEmitter implements Offloader {
  readonly #local: LocalBackend;
  readonly #remotes: readonly Backend[];
  readonly #lifetime = new AbortController();
  readonly #scheduler: Scheduler;
  readonly #cost: CostPolicy;
  readonly #autoOverflow: boolean;
  readonly #prefersFastest: boolean;
  readonly #spend = new SpendTracker();
  readonly #inFlight = new Map<string, number>();
  #budgetFired = false;
  readonly #breakers = new Map<string, BackendBreaker>();
  readonly #localBreaker: BackendBreaker;
  #committedUsd = 0;
  readonly #bundleHash: string;
  readonly #maxQueue: number;
  readonly #stats = new StatsRecorder();
  readonly #idPrefix = randomUUID().slice(0, 8);
  #nextId = 0;
  #pending = 0;
  #settled = 0;
  #closed = false;
  #destroyed = false;
  #idleWaiters: (() => void)[] = [];
  readonly #host: RunHost;

  constructor(options: OffloaderOptions) {
    super();
    const resolved = resolveOptions(options);
    const tasksUrl = toModuleUrl(resolved.tasks);
    this.#bundleHash = hashTaskModule(tasksUrl);
    this.#maxQueue = resolved.local.maxQueue;
    // The local pool's breaker hears every chunk: worker deaths open it (a
    // crash storm), and while it is open `auto` tasks overflow to the remotes.
    this.#localBreaker = createBackendBreaker(
      'local',
      resolved.breaker,
      (transition) => this.#breakerTransition(transition),
      () => true,
    );
    const localBreaker = this.#localBreaker;
    this.#local = createLocalBackend({ tasksUrl, name: 'local', ...resolved.local, onChunkHealth: (fault) => localBreaker.record(fault) });
    this.#remotes = resolved.remotes;
    this.#cost = resolved.cost;
    this.#scheduler = createScheduler(resolved.burst, resolved.cost);
    this.#autoOverflow = resolved.burst !== undefined && this.#remotes.length > 0;
    this.#prefersFastest = resolved.cost.prefer === 'fastest';
    for (const remote of this.#remotes) {
      this.#breakers.set(
        remote.name,
        createBackendBreaker(remote.name, resolved.breaker, (transition) => this.#breakerTransition(transition)),
      );
    }
    // Every remote attempt listens on this signal; thousands in flight are expected.
    setMaxListeners(0, this.#lifetime.signal);
    this.#stats.register(this.#local.name);
    for (const remote of this.#remotes) this.#stats.register(remote.name);
    this.#host = {
      local: this.#local,
      retry: resolved.retry,
      breakerFor: (backend) => this.#breakers.get(backend.name) as BackendBreaker,
      failoverTarget: (failed, task) => this.#failoverTarget(failed, task),
      remoteStarted: (backend, task) => this.#remoteStarted(backend, task),
      remoteSettled: (backend, durationMs, estimatedUsd) => this.#remoteSettled(backend, durationMs, estimatedUsd),
      lifetime: this.#lifetime.signal,
      stats: this.#stats,
      bundleHash: this.#bundleHash,
      listening: (event) => this.#listening(event),
      emit: (event, payload) => this.#emit(event, payload),
      taskSettled: () => this.#taskSettled(),
      destroyed: () => this.#destroyed,
    };
  }

  /**
   * Where a task goes. `auto` asks the scheduler when `burst` thresholds and
   * remotes are configured, else stays local; `remote` is the first remote;
   * any other value names a backend.
   */
  #backendFor(placement: Placement, definition: ResolvedTaskDefinition): Backend | ValidationError {
    if (placement === 'auto') return this.#autoOverflow ? this.#schedule(definition) : this.#local;
    if (placement === 'local' || placement === this.#local.name) return this.#local;
    const remote = placement === 'remote' ? this.#remotes[0] : this.#remotes.find((backend) => backend.name === placement);
    if (remote !== undefined) return remote;
    const known = [this.#local.name, ...this.#remotes.map((backend) => backend.name)].map((name) => `"${name}"`).join(', ');
    return new ValidationError(
      placement === 'remote'
        ? 'Expected a remote for `placement: "remote"`, but the offloader has none: pass backends in the `remotes` option'
        : `Expected \`placement\` to be "auto", "local", "remote" or a backend name (${known}), got ${JSON.stringify(placement)}`,
      { path: 'placement' },
    );
  }

  /** The scheduler's choice for an `auto` task, from the live signals. */
  #schedule(definition: ResolvedTaskDefinition): Backend {
    const local = this.#local.snapshot();
    const spend = this.#committedSpend();
    const snapshot: SchedulerSnapshot = {
      local: { queueDepth: local.queued, predictedWaitMs: local.predictedWaitMs, breaker: this.#localBreaker.state() },
      remotes: [],
      spend,
    };
    // Remote signals cost a little to gather: only when the pool is saturated.
    if (!this.#scheduler.saturated(snapshot)) return this.#local;
    const expectedMs = this.#expectedMs(definition);
    const stats = this.#prefersFastest ? this.#stats.snapshot() : undefined;
    snapshot.remotes = this.#remotes.map((remote) => ({
      name: remote.name,
      inFlight: this.#inFlight.get(remote.name) ?? 0,
      maxConcurrency: remote.maxConcurrency,
      breaker: this.#breakers.get(remote.name)?.state() ?? 'closed',
      estimatedCostUsd: remote.estimateCostUsd?.(expectedMs),
      expectedLatencyMs: stats?.[remote.name]?.succeeded ? stats[remote.name].latencyMs.p50 : undefined,
    }));
    const decision = this.#scheduler.decide(definition, snapshot);
    if (decision === 'queue') {
      const cheapest = Math.min(...snapshot.remotes.map((remote) => remote.estimatedCostUsd ?? 0));
      if (this.#scheduler.budgetExhausted(spend, cheapest)) this.#budgetExhausted(spend);
    }
    return this.#remotes.find((remote) => remote.name === decision) ?? this.#local;
  }

  #failoverTarget(failed: Backend, definition: ResolvedTaskDefinition): Backend {
    const spend = this.#committedSpend();
    for (const remote of this.#remotes) {
      if (remote === failed || this.#breakers.get(remote.name)?.state() === 'open') continue;
      if ((this.#inFlight.get(remote.name) ?? 0) >= remote.maxConcurrency) continue;
      if (this.#scheduler.budgetExhausted(spend, remote.estimateCostUsd?.(this.#expectedMs(definition)) ?? 0)) continue;
      return remote;
    }
    return this.#local;
  }

  #expectedMs(definition: ResolvedTaskDefinition): number {
    return this.#local.durations.estimateMs(definition.name, definition.expectedDurationMs) ?? 0;
  }

  /** Spend for budget checks: billed so far plus the estimates of remote attempts in flight. */
  #committedSpend(): { totalUsd: number; lastHourUsd: number } {
    const billed = this.#spend.current();
    return { totalUsd: billed.totalUsd + this.#committedUsd, lastHourUsd: billed.lastHourUsd + this.#committedUsd };
  }

  #remoteStarted(backend: Backend, definition: ResolvedTaskDefinition): number {
    this.#inFlight.set(backend.name, (this.#inFlight.get(backend.name) ?? 0) + 1);
    const estimatedUsd = backend.estimateCostUsd?.(this.#expectedMs(definition)) ?? 0;
    this.#committedUsd += estimatedUsd;
    return estimatedUsd;
  }

  #remoteSettled(backend: Backend, durationMs: number | undefined, estimatedUsd: number): void {
    this.#inFlight.set(backend.name, (this.#inFlight.get(backend.name) ?? 1) - 1);
    this.#committedUsd -= estimatedUsd;
    if (durationMs === undefined || backend.estimateCostUsd === undefined) return;
    this.#spend.add(backend.name, backend.estimateCostUsd(durationMs));
    const spend = this.#committedSpend();
    if (this.#scheduler.budgetExhausted(spend)) this.#budgetExhausted(spend);
  }

  #budgetExhausted(spend: { totalUsd: number; lastHourUsd: number }): void {
    if (this.#budgetFired) return;
    this.#budgetFired = true;
    if (this.#listening('budgetExhausted')) {
      this.#emit('budgetExhausted', { ...spend, budgetUsd: this.#cost.budgetUsd, budgetUsdPerHour: this.#cost.budgetUsdPerHour });
    }
  }

  #breakerTransition({ backend, state, reason }: BreakerTransition): void {
    const event = state === 'open' ? 'breakerOpen' : state === 'half-open' ? 'breakerHalfOpen' : 'breakerClose';
    if (this.#listening(event)) this.#emit(event, { backend, reason });
  }

  #listening(event: keyof OffloaderEvents): boolean {
    return this.listenerCount(event) > 0;
  }

  #emit<E extends keyof OffloaderEvents>(event: E, payload: OffloaderEvents[E]): void {
    callSafely(() => this.emit(event, payload));
  }

  #taskSettled(): void {
    this.#settled++;
    if (--this.#pending === 0) {
      if (this.#listening('drain')) this.#emit('drain', { settled: this.#settled });
      for (const waiter of this.#idleWaiters.splice(0)) waiter();
    }
  }

  run<T extends AnyOffloadable>(task: T, input: TaskInput<T>, options: RunOptions<TaskOutput<T>> = {}): Promise<TaskOutput<T>> {
    return new Promise<TaskOutput<T>>((resolve, reject) => {
      this.#start(task, input, options as RunOptions<unknown>, undefined, (error, output) =>
        error === undefined ? resolve(output as TaskOutput<T>) : reject(error),
      );
    });
  }

  /**
   * Runs one task to its final outcome and calls `finish` exactly once (never
   * synchronously). Callback-driven rather than async, and one object per
   * task rather than closures, so that `map` over 100,000 tiny tasks stays
   * cheap on the main thread.
   */
  #start(task: AnyOffloadable, input: unknown, options: RunOptions<unknown>, chunkSize: number | undefined, finish: TaskCallback): void {
    let refusal: OffloadError | undefined;
    if (this.#closed) {
      const verb = this.#destroyed ? 'destroy()' : 'close()';
      refusal = new CapacityError(`The offloader is ${this.#destroyed ? 'destroyed' : 'closed'}: run() was called after ${verb}; create a new offloader`, {
        code: 'ERR_CLOSED',
        retryable: false,
      });
    } else if (!isOffloadable(task)) {
      refusal = new ValidationError(`Expected \`task\` to be a task made with offloadable(), got ${typeof task}`, { path: 'task' });
    }
    let backend: Backend | undefined;
    if (refusal === undefined) {
      const placed = this.#backendFor(options.placement ?? task.definition.placement ?? 'auto', task.definition);
      if (placed instanceof ValidationError) refusal = placed;
      else backend = placed;
    }
    if (refusal !== undefined || backend === undefined) {
      const error = refusal;
      queueMicrotask(() => finish(error, undefined));
      return;
    }
    this.#pending++;
    new TaskRun(this.#host, backend, task, `${this.#idPrefix}-${(this.#nextId++).toString(36)}`, input, options, chunkSize, finish).start();
  }

  map<T extends AnyOffloadable>(task: T, inputs: Iterable<TaskInput<T>>, options: MapOptions<TaskOutput<T>> = {}): Promise<TaskOutput<T>[]> {
    const items = Array.from(inputs);
    const total = items.length;
    const results = new Array<TaskOutput<T>>(total);
    const errors: OffloadError[] = [];
    const stopOnError = options.stopOnError ?? true;
    const { onProgress, onSuccess, onError } = options;
    let next = 0;
    let active = 0;
    let succeeded = 0;
    let failed = 0;
    let stopped = false;
    // Never more in flight than the local queue holds, so map alone cannot overflow it.
    const window = Math.min(MAP_WINDOW, this.#maxQueue);
    const sharedOptions: RunOptions<unknown> = { signal: options.signal, timeoutMs: options.timeoutMs, placement: options.placement };
    const perItem = onSuccess !== undefined || onError !== undefined;
    const itemOptions = (index: number): RunOptions<unknown> => ({
      ...sharedOptions,
      onSuccess: onSuccess === undefined ? undefined : (result, info) => onSuccess(result as TaskOutput<T>, { ...info, index }),
      onError: onError === undefined ? undefined : (error, info) => onError(error, { ...info, index }),
    });
    return new Promise<TaskOutput<T>[]>((resolve, reject) => {
      if (total === 0) {
        resolve(results);
        return;
      }
      const finishIfDone = (): void => {
        if (active > 0 || (next < total && !stopped)) return;
        if (stopped) return;
        if (errors.length > 0) reject(new AggregateError(errors, `${errors.length} of ${total} tasks failed; the first: ${errors[0].message}`));
        else resolve(results);
      };
      const launch = (): void => {
        while (!stopped && active < window && next < total) {
          const index = next++;
          active++;
          this.#start(task, items[index], perItem ? itemOptions(index) : sharedOptions, options.chunkSize, (error, output) => {
            if (error === undefined) {
              results[index] = output as TaskOutput<T>;
              succeeded++;
            } else {
              failed++;
              if (!stopOnError) errors.push(error);
              else if (!stopped) {
                stopped = true;
                reject(error);
              }
            }
            settleOne();
          });
        }
      };
      const settleOne = (): void => {
        active--;
        if (onProgress !== undefined) callSafely(() => onProgress({ done: succeeded + failed, total, succeeded, failed }));
        launch();
        finishIfDone();
      };
      launch();
    });
  }

  stats(): OffloaderStats & { local: LocalSnapshot; spend: SpendSummary } {
    const local = this.#local.snapshot();
    return { pending: this.#pending, localQueued: local.queued, backends: this.#stats.snapshot(), local, spend: this.#spend.summary() };
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#pending > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    await Promise.all([this.#local.close(), ...this.#remotes.map((remote) => remote.close())]);
    for (const breaker of [this.#localBreaker, ...this.#breakers.values()]) breaker.shutdown();
  }

  async destroy(): Promise<void> {
    this.#closed = true;
    this.#destroyed = true;
    this.#lifetime.abort(new AbortError('The offloader was destroyed before the task finished'));
    await Promise.all([this.#local.destroy(), ...this.#remotes.map((remote) => remote.destroy())]);
    for (const breaker of [this.#localBreaker, ...this.#breakers.values()]) breaker.shutdown();
  }
}

/**
 * Creates an offloader. Options are validated once; an invalid option throws
 * a `ValidationError` naming the field, the value and the expectation.
 *
 * @example
 * const offloader = createOffloader({ tasks: new URL('./tasks.js', import.meta.url), local: { maxWorkers: 2 } });
 * const hex = await offloader.run(digest, { text: 'a', rounds: 1000 });
 * await offloader.close();
 */
export function createOffloader(options: OffloaderOptions): Offloader {
  return new OffloaderImpl(options);
}
