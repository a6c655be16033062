/**
 * The report as Chrome trace-event JSON (the `traceEvents` format that
 * Perfetto and chrome://tracing open): one thread per lane (overlapping
 * attempts of a lane go to numbered sub-threads, since complete events of
 * one thread must nest), counters for the local queue, the predicted wait
 * and the cumulative cost, and instant events for spills, retries,
 * failovers and breaker changes.
 */
import type { ReportBar, ReportModel } from './report-model.js';

/** One trace event. */
type TraceEvent = Record<string, unknown>;

const PID = 1;
const US_PER_MS = 1000;

/** Packs a lane's bars into rows where none overlap; returns each bar's row. */
function packRows(bars: readonly ReportBar[]): number[] {
  const rowEnds: number[] = [];
  const order = bars.map((_, index) => index).sort((a, b) => bars[a].startMs - bars[b].startMs);
  const rows = new Array<number>(bars.length);
  for (const index of order) {
    let row = rowEnds.findIndex((end) => end <= bars[index].startMs);
    if (row === -1) row = rowEnds.push(0) - 1;
    rowEnds[row] = bars[index].endMs;
    rows[index] = row;
  }
  return rows;
}

function threadEvents(model: ReportModel): { events: TraceEvent[]; tidOf: (lane: number, row: number) => number } {
  const events: TraceEvent[] = [{ ph: 'M', pid: PID, name: 'process_name', args: { name: 'spillway' } }];
  const tids = new Map<string, number>();
  const tidOf = (lane: number, row: number): number => {
    const key = `${lane}/${row}`;
    let tid = tids.get(key);
    if (tid === undefined) {
      tid = tids.size + 1;
      tids.set(key, tid);
      const name = row === 0 ? model.lanes[lane] : `${model.lanes[lane]} (${row + 1})`;
      events.push({ ph: 'M', pid: PID, tid, name: 'thread_name', args: { name } });
      events.push({ ph: 'M', pid: PID, tid, name: 'thread_sort_index', args: { sort_index: lane * 1000 + row } });
    }
    return tid;
  };
  for (let lane = 0; lane < model.lanes.length; lane++) tidOf(lane, 0);
  return { events, tidOf };
}

function attemptEvents(model: ReportModel, tidOf: (lane: number, row: number) => number): TraceEvent[] {
  const events: TraceEvent[] = [];
  for (let lane = 0; lane < model.lanes.length; lane++) {
    const bars = model.bars.filter((bar) => bar.lane === lane);
    const rows = packRows(bars);
    bars.forEach((bar, index) => {
      const args: Record<string, unknown> = { taskId: bar.taskId, attempt: bar.attempt, outcome: bar.outcome, runMs: bar.runMs };
      if (bar.estimatedUsd !== undefined) args.estimatedUsd = bar.estimatedUsd;
      if (bar.reason !== undefined) args.reason = bar.reason;
      events.push({
        ph: 'X',
        pid: PID,
        tid: tidOf(lane, rows[index]),
        name: model.tasks[bar.task],
        cat: bar.outcome === 'ok' ? 'attempt' : 'attempt,failed',
        ts: bar.startMs * US_PER_MS,
        dur: Math.max(bar.endMs - bar.startMs, 0.001) * US_PER_MS,
        args,
      });
    });
  }
  return events;
}

function counterEvents(model: ReportModel): TraceEvent[] {
  const events: TraceEvent[] = [];
  for (const [atMs, queued, predictedWaitMs] of model.queue) {
    events.push({ ph: 'C', pid: PID, name: 'local queue depth', ts: atMs * US_PER_MS, args: { queued } });
    events.push({ ph: 'C', pid: PID, name: 'predicted wait ms', ts: atMs * US_PER_MS, args: { predictedWaitMs } });
  }
  for (const { backend, points } of model.cost) {
    for (const [atMs, usd] of points) events.push({ ph: 'C', pid: PID, name: `cost usd ${backend}`, ts: atMs * US_PER_MS, args: { usd } });
  }
  return events;
}

/** `model` as a Chrome trace-event JSON object: `{ traceEvents, displayTimeUnit }`. */
export function chromeTrace(model: ReportModel): { traceEvents: TraceEvent[]; displayTimeUnit: 'ms' } {
  const { events, tidOf } = threadEvents(model);
  events.push(...attemptEvents(model, tidOf), ...counterEvents(model));
  for (const mark of model.marks) {
    events.push({ ph: 'i', s: 't', pid: PID, tid: tidOf(mark.lane, 0), name: mark.kind, ts: mark.atMs * US_PER_MS, args: { text: mark.text } });
  }
  return { traceEvents: events, displayTimeUnit: 'ms' };
}
