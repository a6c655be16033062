/**
 * The discrete-event simulator: replays a recorded arrival trace against a
 * local pool of N workers and parametric remotes, placing each arrival with
 * the offloader's own scheduler (`createScheduler(burst, cost).decide`) from
 * the signals the router builds. Pure: no I/O, no clock; the same trace,
 * setting and seed give the same result.
 *
 * The local pool is FIFO and predicts a new task's wait as the live pool
 * does (local-pool.ts). A remote attempt reserves
 * its timeout's price against the budget until it settles, then is billed.
 * Remotes are the cloud model's fleets (infra/cloud-model/fleet.ts, the
 * state machine of the live model front): a throttled attempt (concurrency,
 * Lambda's scaling rate) fails over to the local pool; an attempt at Cloud
 * Run's max instances waits for a free one (its 10 s queue timeout is not
 * simulated). Breakers stay closed (no faults are simulated). Each remote's
 * predicted latency comes from the offloader's own `LatencyPredictor`
 * (predicted-signals.ts), fed by the simulated attempts. `burst.prewarm`
 * sends warm-ups to the first remote on a spike (prewarm.ts).
 */
import { createScheduler } from '../../src/scheduler/decide.js';
import type { RemoteSignals, Scheduler, SchedulerSnapshot } from '../../src/scheduler/types.js';
import { type Completion, CompletionHeap } from './completion-heap.js';
import { SimHedge } from './hedge.js';
import { SimLocalPool } from './local-pool.js';
import { percentile } from './percentile.js';
import { SimulatedPredictions } from './predicted-signals.js';
import { SimPrewarm } from './prewarm.js';
import { type Random, seededRandom } from './random.js';
import { RemoteFleet, type RemoteStart } from './remote-fleet.js';
import type { SimulationResult, SimulationSetting, TraceArrival } from './types.js';

const DEFAULT_TIMEOUT_MS = 30_000;

/** Runs `trace` (sorted by `at`) under `setting`. */
export function simulate(trace: readonly TraceArrival[], setting: SimulationSetting): SimulationResult {
  return new Simulation(trace, setting).run();
}

/** The state of one simulated run. */
class Simulation {
  readonly #trace: readonly TraceArrival[];
  readonly #local: SimLocalPool;
  readonly #random: Random;
  readonly #scheduler: Scheduler;
  readonly #placement: string | undefined;
  readonly #dispatchMs: number;
  /** When the caller's dispatch queue is next free (see `SimulationSetting.dispatchMs`). */
  #dispatchFreeAt = Number.NEGATIVE_INFINITY;
  readonly #fleets: RemoteFleet[];
  readonly #reserves: number[];
  readonly #predictions: SimulatedPredictions;
  readonly #heap = new CompletionHeap();
  readonly #latencies: Float64Array;
  readonly #tasksPerBackend: Record<string, number> = { local: 0 };
  #seq = 0;
  #billedUsd = 0;
  #reservedUsd = 0;
  #lastAt = 0;
  /** When the pool's current saturation began (undefined: not saturated at the last placement). */
  #saturatedSince: number | undefined;
  /** The hedge rule (hedge.ts), when the setting has one. */
  readonly #hedge: SimHedge | undefined;
  /** The pre-warming rule (prewarm.ts), when the setting's `burst` has one and there is a remote. */
  readonly #prewarm: SimPrewarm | undefined;

  constructor(trace: readonly TraceArrival[], setting: SimulationSetting) {
    this.#trace = trace;
    this.#local = new SimLocalPool(setting.localWorkers);
    this.#random = seededRandom(setting.seed);
    this.#scheduler = createScheduler(setting.burst, setting.cost);
    this.#placement = setting.placement;
    this.#dispatchMs = setting.dispatchMs ?? 0;
    this.#fleets = setting.remotes.map((model) => new RemoteFleet(model, this.#random));
    this.#predictions = new SimulatedPredictions(setting.remotes);
    const timeoutMs = setting.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#reserves = this.#fleets.map((fleet) => fleet.priceUsd(timeoutMs * fleet.model.speedFactor));
    this.#latencies = new Float64Array(trace.length);
    for (const fleet of this.#fleets) this.#tasksPerBackend[fleet.model.name] = 0;
    const names = this.#fleets.map((fleet) => fleet.model.name);
    this.#hedge = setting.hedge === undefined ? undefined : new SimHedge(setting.hedge, trace.length, names);
    this.#prewarm = this.#prewarmOf(setting);
  }

  #prewarmOf({ burst: { prewarm } }: SimulationSetting): SimPrewarm | undefined {
    if (prewarm === undefined || this.#fleets.length === 0) return undefined;
    return new SimPrewarm(prewarm, {
      fleet: this.#fleets[0],
      predictions: this.#predictions,
      fits: (reserveUsd) => !this.#scheduler.budgetExhausted(this.#spend(), reserveUsd),
      account: (releasedUsd, billedUsd) => {
        this.#reservedUsd -= releasedUsd;
        this.#billedUsd += billedUsd;
      },
      sendDelay: (now) => this.#sendDelay(now),
      push: (completion) => this.#heap.push(completion),
      seq: () => this.#seq++,
    });
  }

  /** Billed spend plus reservations, as the budget checks read it (`budgetUsdPerHour` as a total). */
  #spend(): { totalUsd: number; lastHourUsd: number } {
    const spentUsd = this.#billedUsd + this.#reservedUsd;
    return { totalUsd: spentUsd, lastHourUsd: spentUsd };
  }

  run(): SimulationResult {
    const trace = this.#trace;
    let next = 0;
    while (next < trace.length || this.#heap.size > 0) {
      const top = this.#heap.peek();
      const arrivalAt = next < trace.length ? trace[next].at : Number.POSITIVE_INFINITY;
      const timerAt = this.#hedge?.nextAt() ?? Number.POSITIVE_INFINITY;
      // Results due at the same instant as an arrival or a hedge timer settle first; timers fire before arrivals.
      if (top !== undefined && top.at <= arrivalAt && top.at <= timerAt) this.#settle();
      else if (timerAt <= arrivalAt) this.#hedgeDue();
      else this.#place(next++);
    }
    return this.#summary();
  }

  #snapshot(task: string, now: number): SchedulerSnapshot {
    const local = this.#local;
    const snapshot: SchedulerSnapshot = {
      local: { queueDepth: local.queueDepth, predictedWaitMs: local.predictedWaitMs(now), breaker: 'closed' },
      remotes: [],
      spend: this.#spend(),
    };
    if (this.#fleets.length === 0 || !this.#scheduler.saturated(snapshot)) {
      this.#saturatedSince = undefined;
      return snapshot;
    }
    this.#saturatedSince ??= now;
    const estimateMs = local.estimate(task) ?? 0;
    snapshot.local.predictedRunMs = estimateMs;
    snapshot.local.saturatedForMs = now - this.#saturatedSince;
    snapshot.remotes = this.#fleets.map((fleet, index): RemoteSignals => {
      const prediction = this.#predictions.predict(fleet.model.name, task, estimateMs, now);
      // An expected cold start is priced in when the fleet bills INIT, as the router does.
      const initMs = fleet.model.billsInit ? (prediction?.coldStartMs ?? 0) : 0;
      return {
        name: fleet.model.name,
        inFlight: fleet.inFlight,
        maxConcurrency: fleet.model.maxConcurrency,
        breaker: 'closed',
        estimatedCostUsd: fleet.priceUsd(estimateMs * fleet.model.speedFactor + initMs),
        reserveUsd: this.#reserves[index],
        predictedLatencyMs: prediction?.latencyMs,
        predictedColdStartMs: prediction?.coldStartMs,
      };
    });
    return snapshot;
  }

  #place(index: number): void {
    const arrival = this.#trace[index];
    // The router observes the queue at every `auto` placement, before deciding.
    if (this.#placement === undefined) this.#prewarm?.observe(this.#local.queueDepth, arrival.at);
    const snapshot = this.#snapshot(arrival.task, arrival.at);
    const decision = this.#placement ?? (snapshot.remotes.length > 0 ? this.#scheduler.decide(snapshot) : 'local');
    const remote = this.#fleets.findIndex((fleet) => fleet.model.name === decision);
    // A throttled attempt (429) fails over to the local pool, as the router does.
    const start = remote === -1 ? undefined : this.#fleets[remote].start(arrival.at, index, arrival.durationMs, this.#sendDelay(arrival.at));
    if (start === undefined || start.kind === 'throttled') {
      if (this.#local.startsNow) this.#runLocal(index, arrival.at);
      else this.#local.enqueue(index, arrival.task);
      return;
    }
    this.#reservedUsd += this.#reserves[remote];
    this.#tasksPerBackend[this.#fleets[remote].model.name]++;
    this.#predictions.started(index, this.#fleets[remote].model.name, arrival.task, arrival.at);
    this.#hedge?.armed(index, arrival.task, remote, arrival.at);
    if (start.kind === 'run') this.#pushRemote(remote, index, arrival.at, start);
  }

  /** A hedge timer fired: its straggler gets a backup (hedge.ts says where). */
  #hedgeDue(): void {
    const hedge = this.#hedge as SimHedge;
    const timer = hedge.due();
    if (timer === undefined) return;
    const { at: now, index, remote: straggler } = timer;
    const { task, durationMs } = this.#trace[index];
    if (straggler !== -1 && this.#local.startsNow) {
      hedge.sent(index, -1, now, 0);
      this.#local.occupy(index, task, now);
      this.#heap.push({ at: now + durationMs, seq: this.#seq++, remote: -1, env: -1, index, task, durationMs, costUsd: 0 });
      return;
    }
    const spend = this.#spend();
    for (const [remote, fleet] of this.#fleets.entries()) {
      const reserveUsd = this.#reserves[remote];
      if (remote === straggler || fleet.inFlight >= fleet.model.maxConcurrency || !hedge.fits(reserveUsd)) continue;
      if (this.#scheduler.budgetExhausted(spend, reserveUsd)) return;
      const start = fleet.start(now, index, durationMs, this.#sendDelay(now));
      if (start.kind === 'throttled') continue;
      hedge.sent(index, remote, now, reserveUsd);
      this.#reservedUsd += reserveUsd;
      if (start.kind === 'run') this.#pushRemote(remote, index, now, start);
      return;
    }
  }

  /** The wait of a remote attempt decided at `now` until the caller has sent it, ms (its own send time included). */
  #sendDelay(now: number): number {
    if (this.#dispatchMs === 0) return 0;
    this.#dispatchFreeAt = Math.max(now, this.#dispatchFreeAt) + this.#dispatchMs;
    return this.#dispatchFreeAt - now;
  }

  #pushRemote(remote: number, index: number, now: number, run: Extract<RemoteStart, { kind: 'run' }>): void {
    const { task, durationMs } = this.#trace[index];
    // The predictor follows each arrival's own attempts, not its hedge backups.
    if (this.#hedge?.isBackup(index, remote) !== true) this.#predictions.ran(index, run.runMs, run.initMs);
    this.#heap.push({ at: now + run.latencyMs, seq: this.#seq++, remote, env: run.env, index, task, durationMs, costUsd: run.costUsd });
  }

  #runLocal(index: number, now: number): void {
    const { task, durationMs } = this.#trace[index];
    this.#local.occupy(index, task, now);
    this.#tasksPerBackend.local++;
    this.#hedge?.armed(index, task, -1, now);
    this.#heap.push({ at: now + durationMs, seq: this.#seq++, remote: -1, env: -1, index, task, durationMs, costUsd: 0 });
  }

  #settle(): void {
    const item = this.#heap.pop();
    if (item === undefined) return;
    if (SimPrewarm.is(item.index)) {
      this.#release(item);
      this.#prewarm?.settled(item);
      return;
    }
    const hedged = this.#hedge?.completed(item, item.remote >= 0 ? this.#reserves[item.remote] : 0);
    // A local loser was cancelled when its hedge won: its worker was freed then.
    if (hedged?.skip === true) return;
    this.#lastAt = Math.max(this.#lastAt, item.at);
    if (hedged === undefined || hedged.first) this.#latencies[item.index] = item.at - this.#trace[item.index].at;
    if (hedged?.cancelLocal === true) this.#freeWorker(item.index, item.at);
    if (item.remote >= 0) {
      this.#release(item);
      this.#reservedUsd -= this.#reserves[item.remote];
      this.#billedUsd += item.costUsd;
      if (this.#hedge?.isBackup(item.index, item.remote) !== true) this.#predictions.settled(item.index, item.at);
      return;
    }
    this.#local.measured(item.task, item.durationMs);
    this.#freeWorker(item.index, item.at);
  }

  /** The remote environment of `item` frees: an attempt (or warm-up) waiting for an instance takes it. */
  #release(item: Completion): void {
    const handoff = this.#fleets[item.remote].finish(item.env, item.at);
    if (handoff === undefined) return;
    if (SimPrewarm.is(handoff.index)) this.#prewarm?.ran(handoff.index, item.at, handoff.run);
    else this.#pushRemote(item.remote, handoff.index, item.at, handoff.run);
  }

  /** Trace index `index` leaves its local worker at `now`, which takes the next queued task. */
  #freeWorker(index: number, now: number): void {
    const next = this.#local.release(index, (queued) => this.#trace[queued].task);
    if (next !== undefined) this.#runLocal(next, now);
  }

  #summary(): SimulationResult {
    const sorted = this.#latencies.slice().sort();
    const coldStarts: Record<string, number> = {};
    for (const fleet of this.#fleets) coldStarts[fleet.model.name] = fleet.coldStarts;
    const trace = this.#trace;
    return {
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      makespanMs: trace.length === 0 ? 0 : this.#lastAt - trace[0].at,
      tasksPerBackend: this.#tasksPerBackend,
      coldStarts,
      costUsd: this.#billedUsd,
      ...(this.#hedge === undefined ? {} : { hedges: { ...this.#hedge.result } }),
      ...(this.#prewarm === undefined ? {} : { prewarm: { ...this.#prewarm.result } }),
    };
  }
}
