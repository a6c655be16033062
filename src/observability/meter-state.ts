/**
 * What spillway observes through one meter, shared by every offloader that
 * records through it: the counters' tallies (tasks, attempts, warm-ups, by
 * their attributes) and the live offloaders whose gauges are read. An
 * observable instrument keeps one value per set of attributes, so two
 * offloaders in one process are reported as one: their counts added, their
 * queue depths, in-flight attempts and committed spend summed. A closed
 * offloader's counts stay (a provider's last export at shutdown still has
 * them); its gauges leave the sums.
 */
import type { Attributes, Histogram, Meter } from '@opentelemetry/api';
import { ATTR } from './tracer.js';

/** The live figures the gauges read when a metric reader collects. */
export interface MetricSignals {
  /** Attempts waiting in the local pool. */
  localQueueDepth(): number;
  /** Remote backends' names and their attempts in flight. */
  remoteInFlight(): Iterable<readonly [backend: string, inFlight: number]>;
  /** Billed spend plus the estimates of remote attempts in flight, USD. */
  committedUsd(): number;
}

/** One set of attributes and the counts recorded under it. */
export interface Tally {
  readonly attributes: Attributes;
  tasks: number;
  attempts: number;
  prewarms: number;
}

/** A meter's shared state. */
export interface MeterState {
  /** Tallies by their attributes' values joined with `\0` (see {@link tallyOf}). */
  readonly tallies: Map<string, Tally>;
  /** The offloaders whose gauges are summed. */
  readonly live: Set<MetricSignals>;
  /** Time an attempt waited before dispatch, ms. */
  readonly queueMs: Histogram;
  /** Run time of a task where it ran, ms. */
  readonly runMs: Histogram;
  /** Time from submission to outcome, ms. */
  readonly taskMs: Histogram;
}

const states = new WeakMap<Meter, MeterState>();

/** The shared state of `meter`, with its observable instruments made and observed on first use. */
export function meterState(meter: Meter): MeterState {
  const known = states.get(meter);
  if (known !== undefined) return known;
  const histogram = (name: string, description: string) => meter.createHistogram(name, { description, unit: 'ms' });
  const state: MeterState = {
    tallies: new Map(),
    live: new Set(),
    queueMs: histogram('spillway.queue.duration', 'Time an attempt waited before dispatch'),
    runMs: histogram('spillway.run.duration', 'Run time of a task where it ran'),
    taskMs: histogram('spillway.task.duration', 'Time from submission to outcome'),
  };
  states.set(meter, state);
  const counter = (name: string, description: string, unit: string) => meter.createObservableCounter(name, { description, unit });
  const gauge = (name: string, description: string, unit: string) => meter.createObservableGauge(name, { description, unit });
  const tasks = counter('spillway.tasks', 'Tasks settled, by backend, task and outcome (ok or error code)', '{task}');
  const attempts = counter('spillway.attempts', 'Attempts settled, by backend, task and outcome', '{attempt}');
  const prewarms = counter('spillway.prewarms', 'Warm-ups of burst.prewarm settled, by backend and outcome', '{warm-up}');
  const queueDepth = gauge('spillway.local.queue_depth', 'Attempts waiting in the local pool', '{attempt}');
  const inFlight = gauge('spillway.remote.in_flight', 'Remote attempts sent and not settled', '{attempt}');
  const spend = gauge('spillway.spend.committed', 'Billed spend plus in-flight estimates', 'USD');
  meter.addBatchObservableCallback(
    (result) => {
      for (const tally of state.tallies.values()) {
        if (tally.tasks > 0) result.observe(tasks, tally.tasks, tally.attributes);
        if (tally.attempts > 0) result.observe(attempts, tally.attempts, tally.attributes);
        if (tally.prewarms > 0) result.observe(prewarms, tally.prewarms, tally.attributes);
      }
      if (state.live.size === 0) return;
      let queued = 0;
      let committedUsd = 0;
      const flying = new Map<string, number>();
      for (const signals of state.live) {
        queued += signals.localQueueDepth();
        committedUsd += signals.committedUsd();
        for (const [backend, count] of signals.remoteInFlight()) flying.set(backend, (flying.get(backend) ?? 0) + count);
      }
      result.observe(queueDepth, queued);
      for (const [backend, count] of flying) result.observe(inFlight, count, { [ATTR.backend]: backend });
      result.observe(spend, committedUsd);
    },
    [tasks, attempts, prewarms, queueDepth, inFlight, spend],
  );
  return state;
}

/** The tally of `backend`, `taskName` (absent for warm-ups), `outcome` (absent at dispatch) and `reason` (a hedge backup's), made on first use. */
export function tallyOf(state: MeterState, backend: string, taskName: string | undefined, outcome: string | undefined, reason?: string): Tally {
  const key = `${backend}\0${taskName ?? ''}\0${outcome ?? ''}\0${reason ?? ''}`;
  let tally = state.tallies.get(key);
  if (tally === undefined) {
    const attributes: Attributes = { [ATTR.backend]: backend };
    if (taskName !== undefined) attributes[ATTR.taskName] = taskName;
    if (outcome !== undefined) attributes[ATTR.outcome] = outcome;
    if (reason !== undefined) attributes[ATTR.attemptReason] = reason;
    tally = { attributes, tasks: 0, attempts: 0, prewarms: 0 };
    state.tallies.set(key, tally);
  }
  return tally;
}
