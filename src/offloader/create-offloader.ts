/**
 * The offloader: the public object that runs tasks. It validates options
 * once, wires the local pool, the remotes and their breakers, the router and
 * the spend ledger, and turns each `run` (and each `map` or `stream` input) into one
 * {@link TaskRun} that reports exactly once through its promise, its
 * callbacks, events and stats.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter, setMaxListeners } from 'node:events';
import type { Context } from '@opentelemetry/api';
import type { Backend } from '../backends/backend.js';
import { createLocalBackend, type LocalBackend, type LocalSnapshot, type StallInfo } from '../backends/local/index.js';
import { toModuleUrl } from '../contract/task-module.js';
import { hashTaskModule } from '../contract/task-module-load.js';
import { AbortError, CapacityError, type OffloadError, placeError, ValidationError } from '../errors.js';
import { invalidCallHedge } from '../hedge-options.js';
import { createOffloaderMetrics, type OffloaderMetrics } from '../observability/offloader-metrics.js';
import { traceParent } from '../observability/task-trace.js';
import { type OffloaderOptions, resolveOptions } from '../options.js';
import { type BackendBreaker, type BreakerTransition, createBackendBreaker } from '../resilience/breaker.js';
import { createScheduler } from '../scheduler/decide.js';
import { type AnyOffloadable, isOffloadable, type TaskInput, type TaskOutput } from '../task.js';
import { invalidTimeout, invalidTransfer } from './call-options.js';
import { dataPlaceOf } from './data-place.js';
import { drainsWithin } from './drains-within.js';
import type { TaskEventInfo } from './events.js';
import { Hedger } from './hedger.js';
import { mapInputs } from './map.js';
import { prewarmReport } from './prewarm-report.js';
import { RemoteAttempts } from './remote-attempt.js';
import { RemoteStallWatch } from './remote-stall.js';
import { Router } from './router.js';
import { RunReporter } from './run-reporter.js';
import { SpendLedger } from './spend-ledger.js';
import type { SpendSummary } from './spend-tracker.js';
import { type HedgeStats, type OffloaderStats, StatsRecorder } from './stats.js';
import { streamInputs } from './stream.js';
import { type RunServices, TaskRun, type TaskRunOptions } from './task-run.js';
import type { Timeline } from './timeline.js';
import { TimelineRecorder } from './timeline-recorder.js';
import type { CloseOptions, MapInputs, MapOptions, Offloader, RunOptions, StreamOptions, StreamResult, TaskCallback } from './types.js';
import type { StartTask } from './windowed-run.js';

/** Inputs `map` and `stream` keep in flight at once; enough for large batches, bounded for memory. */
const MAP_WINDOW = 8192;
/** `stream`'s window without remotes: enough for the pool, and fewer tasks in flight survive into the old heap (lower peak RSS). */
const LOCAL_STREAM_WINDOW = 2048;

class OffloaderImpl extends EventEmitter implements Offloader {
  readonly #local: LocalBackend;
  readonly #remotes: readonly Backend[];
  readonly #breakers: BackendBreaker[];
  readonly #lifetime = new AbortController();
  readonly #router: Router;
  readonly #ledger: SpendLedger;
  readonly #reporter: RunReporter;
  readonly #stats = new StatsRecorder();
  readonly #metrics: OffloaderMetrics | undefined;
  readonly #timeline: TimelineRecorder;
  readonly #services: RunServices;
  readonly #hedger: Hedger;
  readonly #mapWindow: number;
  readonly #streamWindow: number;
  readonly #idPrefix = randomUUID().slice(0, 8);
  #nextId = 0;
  #closed = false;

  constructor(options: OffloaderOptions) {
    super();
    const resolved = resolveOptions(options);
    const tasksUrl = toModuleUrl(resolved.tasks);
    const bundleHash = hashTaskModule(tasksUrl);
    this.#metrics = createOffloaderMetrics({
      localQueueDepth: () => this.#local.snapshot().queued,
      remoteInFlight: () => this.#remotes.map((remote) => [remote.name, this.#ledger.inFlight(remote.name)] as const),
      committedUsd: () => this.#ledger.committed().totalUsd,
    });
    this.#reporter = new RunReporter(this, this.#stats, this.#metrics);
    this.#timeline = new TimelineRecorder(resolved.timeline.maxAttempts, resolved.burst ?? {}, { snapshot: () => this.#local.snapshot() });
    const timeline = resolved.timeline.maxAttempts > 0 ? this.#timeline : undefined;
    const onTransition = (transition: BreakerTransition) => this.#breakerTransition(transition);
    // The local pool's breaker hears every chunk: worker deaths open it (a
    // crash storm), and while it is open `auto` tasks overflow to the remotes.
    const localBreaker = createBackendBreaker('local', resolved.breaker, onTransition, () => true);
    this.#local = createLocalBackend({
      tasksUrl,
      name: 'local',
      ...resolved.local,
      onChunkHealth: (fault) => localBreaker.record(fault),
      affinityMissListener: (miss) => this.#reporter.emit('affinityMiss', miss),
      stallListener: (stall) => this.#stalled(stall),
      onLateFault: ({ taskName, taskId, error }) =>
        this.#reporter.emit('error', { taskName, taskId, backend: 'local', error: placeError(error, { backend: 'local' }) }),
    });
    this.#remotes = resolved.remotes;
    const breakers = new Map(this.#remotes.map((remote) => [remote.name, createBackendBreaker(remote.name, resolved.breaker, onTransition)]));
    this.#breakers = [localBreaker, ...breakers.values()];
    this.#ledger = new SpendLedger(resolved.cost, this.#local.durations, (info) => this.#reporter.emit('budgetExhausted', info));
    this.#router = new Router({
      local: this.#local,
      localBreaker,
      remotes: this.#remotes,
      breakers,
      scheduler: createScheduler(resolved.burst, resolved.cost),
      ledger: this.#ledger,
      stats: this.#stats,
      autoOverflow: resolved.burst !== undefined && this.#remotes.length > 0,
      prefersFastest: resolved.cost.prefer === 'fastest',
      onSpill: timeline === undefined ? undefined : (taskName, backend, queued, waitMs) => timeline.spill(taskName, backend, queued, waitMs),
      crossRegionUsdPerGb: resolved.cost.crossRegionUsdPerGb,
      prewarm:
        resolved.burst?.prewarm === undefined
          ? undefined
          : { policy: resolved.burst.prewarm, bundleHash, lifetime: this.#lifetime.signal, observer: prewarmReport(this.#reporter, timeline) },
    });
    const lifetime = this.#lifetime.signal;
    // Every remote attempt listens on this signal; thousands in flight are expected.
    setMaxListeners(0, lifetime);
    const remote = new RemoteAttempts({
      local: this.#local,
      router: this.#router,
      ledger: this.#ledger,
      cost: resolved.cost,
      breakers,
      retry: resolved.retry,
      lifetime,
      stalls: new RemoteStallWatch(this.#local.durations, (stall) => this.#stalled(stall)),
    });
    const logs = resolved.logs.capture ? Object.freeze({ maxBytes: resolved.logs.maxBytes }) : undefined;
    const reporter = this.#reporter;
    const hedger = new Hedger({
      local: this.#local,
      localBreaker,
      router: this.#router,
      ledger: this.#ledger,
      breakers,
      stats: this.#stats,
      reporter,
      timeline,
      lifetime,
    });
    this.#hedger = hedger;
    this.#services = { local: this.#local, remote, reporter, timeline, bundleHash, lifetime, logs, logOptions: resolved.logs, hedger };
    // Never more in flight than the local queue holds, so map alone cannot overflow it.
    this.#mapWindow = Math.min(MAP_WINDOW, resolved.local.maxQueue);
    this.#streamWindow = this.#remotes.length === 0 ? Math.min(this.#mapWindow, LOCAL_STREAM_WINDOW) : this.#mapWindow;
    this.#stats.register(this.#local.name);
    for (const backend of this.#remotes) this.#stats.register(backend.name);
  }

  /** An attempt, local or remote, ran past its stall limit: counted per backend and emitted. */
  #stalled(stall: StallInfo): void {
    this.#stats.stalled(stall.backend);
    this.#reporter.emit('stall', stall);
  }

  #breakerTransition({ backend, state, reason }: BreakerTransition): void {
    if (this.#services.timeline !== undefined) this.#timeline.breaker(backend, state, reason);
    const event = state === 'open' ? 'breakerOpen' : state === 'half-open' ? 'breakerHalfOpen' : 'breakerClose';
    this.#reporter.emit(event, { backend, reason });
  }

  run<T extends AnyOffloadable>(task: T, input: TaskInput<T>, options: RunOptions<TaskOutput<T>> = {}): Promise<TaskOutput<T>> {
    return new Promise<TaskOutput<T>>((resolve, reject) => {
      this.#start(task, input, options as RunOptions<unknown>, undefined, (error, output) =>
        error === undefined ? resolve(output as TaskOutput<T>) : reject(error),
      );
    });
  }

  map<T extends AnyOffloadable>(task: T, inputs: MapInputs<TaskInput<T>>, options: MapOptions<TaskOutput<T>, TaskInput<T>> = {}): Promise<TaskOutput<T>[]> {
    return mapInputs(this.#starter(task), inputs, options as MapOptions<unknown>, this.#mapWindow) as Promise<TaskOutput<T>[]>;
  }

  stream<T extends AnyOffloadable>(
    task: T,
    inputs: MapInputs<TaskInput<T>>,
    options: StreamOptions<TaskOutput<T>, TaskInput<T>> = {},
  ): AsyncIterableIterator<StreamResult<TaskOutput<T>>> {
    return streamInputs(this.#starter(task), inputs, options as StreamOptions<unknown>, this.#streamWindow) as AsyncIterableIterator<
      StreamResult<TaskOutput<T>>
    >;
  }

  /** Starts inputs of `task`; called now so their task spans start in the caller's context of now (inputs are pulled later). */
  #starter(task: AnyOffloadable): StartTask {
    const parent = traceParent();
    return (input, runOptions, chunkSize, finish) => this.#start(task, input, runOptions, chunkSize, finish, parent);
  }

  /**
   * Runs one task to its final outcome and calls `finish` exactly once (never
   * synchronously). Callback-driven rather than async, and one object per
   * task rather than closures, so that `map` over 100,000 tiny tasks stays
   * cheap on the main thread.
   */
  #start(
    task: AnyOffloadable,
    input: unknown,
    options: TaskRunOptions,
    chunkSize: number | undefined,
    finish: TaskCallback,
    parent?: Context,
  ): TaskRun | undefined {
    const timeoutMs = options.timeoutMs ?? task?.definition?.timeoutMs;
    const data =
      this.#refusal(task) ??
      invalidTimeout(options.timeoutMs) ??
      invalidTransfer(options.transfer) ??
      (options.hedge === undefined ? undefined : invalidCallHedge(options.hedge, task.definition)) ??
      dataPlaceOf(task.definition, input);
    const placed =
      data instanceof Error ? data : this.#router.place(options.placement ?? task.definition.placement ?? 'auto', task.definition, timeoutMs, data);
    if (placed instanceof Error) {
      queueMicrotask(() => finish(placed, undefined, refusedRun(task)));
      return undefined;
    }
    this.#reporter.submitted();
    const run = new TaskRun(this.#services, placed, task, `${this.#idPrefix}-${(this.#nextId++).toString(36)}`, input, options, chunkSize, finish);
    if (!(data instanceof Error)) run.data = data;
    run.start(parent);
    return run;
  }

  /** Why a task is refused before placement: the offloader is closed, or `task` is not an offloadable. */
  #refusal(task: AnyOffloadable): OffloadError | undefined {
    if (this.#closed) {
      const destroyed = this.#lifetime.signal.aborted;
      return new CapacityError(
        `The offloader is ${destroyed ? 'destroyed' : 'closed'}: run() was called after ${destroyed ? 'destroy()' : 'close()'}; create a new offloader`,
        { code: 'ERR_CLOSED', retryable: false },
      );
    }
    if (!isOffloadable(task)) return new ValidationError(`Expected \`task\` to be a task made with offloadable(), got ${typeof task}`, { path: 'task' });
    return undefined;
  }

  stats(): OffloaderStats & { local: LocalSnapshot; spend: SpendSummary; hedges: HedgeStats } {
    const { pending } = this.#reporter;
    return { pending, backends: this.#stats.snapshot(), local: this.#local.snapshot(), spend: this.#ledger.summary(), hedges: this.#hedger.stats() };
  }

  timeline(): Timeline {
    return this.#timeline.snapshot();
  }

  async close(options: CloseOptions = {}): Promise<void> {
    const timeoutMs = options?.timeoutMs;
    const invalid = invalidTimeout(timeoutMs, 'close() option `timeoutMs`');
    if (invalid !== undefined) throw invalid;
    this.#closed = true;
    if (!(await drainsWithin(this.#reporter.idle(), timeoutMs))) {
      await this.#destroy(() => new AbortError(`The offloader's close() deadline of ${timeoutMs} ms passed before the task finished; it was cancelled`));
      return;
    }
    await Promise.all([this.#local.close(), ...this.#remotes.map((remote) => remote.close())]);
    this.#release();
  }

  destroy(): Promise<void> {
    return this.#destroy(() => new AbortError('The offloader was destroyed before the task finished'));
  }

  async #destroy(error: () => AbortError): Promise<void> {
    this.#closed = true;
    if (!this.#lifetime.signal.aborted) this.#lifetime.abort(error());
    await Promise.all([this.#local.destroy(error), ...this.#remotes.map((remote) => remote.destroy())]);
    this.#release();
  }

  /** The backends are shut: the breakers' timers stop and the metrics leave the process's gauges. */
  #release(): void {
    for (const breaker of this.#breakers) breaker.shutdown();
    this.#metrics?.close();
  }
}

/** The run of a task refused before it was placed (closed offloader, not an offloadable, bad option): it ran nowhere. */
function refusedRun(task: AnyOffloadable): { info(): TaskEventInfo } {
  const taskName = isOffloadable(task) ? task.definition.name : '';
  return { info: () => ({ taskName, taskId: '', backend: '', attempts: 0, queuedMs: 0, runMs: 0 }) };
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
