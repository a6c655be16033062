/**
 * Turns a {@link Timeline} into what the report draws: lanes (one per local
 * worker, one per remote backend), one bar per attempt, the local queue,
 * spills, breaker changes, retries, cumulative cost by backend and a
 * per-worker utilization grid. Pure; the HTML page and the Chrome trace both
 * read it.
 */
import type { AttemptReason, Timeline, TimelineAttempt } from '../../src/offloader/timeline.js';

/** One attempt as a bar: `[lane, startMs, endMs, task, failed]` plus what its tooltip says. */
export interface ReportBar {
  lane: number;
  startMs: number;
  endMs: number;
  /** Index into {@link ReportModel.tasks}. */
  task: number;
  /** The attempt's outcome: `ok` or an error code. */
  outcome: string;
  taskId: string;
  attempt: number;
  runMs: number;
  estimatedUsd?: number;
  /** `hedge`: a backup attempt of a straggler; `prewarm`: a warm-up of `burst.prewarm`. */
  reason?: AttemptReason;
}

/** A moment with a lane and a line of text (a spill, a retry, a breaker change). */
interface ReportMark {
  atMs: number;
  lane: number;
  kind: 'spill' | 'retry' | 'failover' | 'breaker';
  text: string;
}

/** Everything the report draws. */
export interface ReportModel {
  /** Lane names: `local worker <thread id>` (and `local` for attempts no worker answered), then each remote backend. */
  lanes: string[];
  /** How many of the first lanes are local workers (the heatmap's rows). */
  workerLanes: number;
  /** Task names, in order of first appearance. */
  tasks: string[];
  bars: ReportBar[];
  marks: ReportMark[];
  /** `[ms, queued, predictedWaitMs]` samples of the local queue. */
  queue: [number, number, number][];
  /** The burst thresholds drawn on the queue chart. */
  burst: { maxQueueDepth?: number; maxWaitMs?: number };
  /** Cumulative estimated cost per remote backend: `[ms, usd]` steps. */
  cost: { backend: string; points: [number, number][] }[];
  /** Heatmap cells `[bucket, workerLane, busy fraction 0..1]`, with the bucket width in ms. */
  heatmap: { bucketMs: number; buckets: number; cells: [number, number, number][] };
  /** Time span of the run, ms. */
  endMs: number;
  droppedAttempts: number;
  startedAtEpochMs: number;
}

const HEATMAP_BUCKETS = 60;

function laneOf(attempt: Pick<TimelineAttempt, 'backend' | 'workerId'>): string {
  if (attempt.backend !== 'local') return attempt.backend;
  return attempt.workerId === undefined ? 'local' : `local worker ${attempt.workerId}`;
}

/** Lane names: local workers by thread id, then `local`, then remotes by first appearance. */
function laneNames(timeline: Timeline): { lanes: string[]; workerLanes: number } {
  const workers = [...new Set(timeline.attempts.filter((a) => a.workerId !== undefined && a.backend === 'local').map((a) => a.workerId as number))];
  workers.sort((a, b) => a - b);
  const lanes = workers.map((id) => `local worker ${id}`);
  const workerLanes = lanes.length;
  const rest = [
    ...timeline.attempts.map(laneOf),
    ...timeline.spills.map((spill) => spill.backend),
    ...timeline.retries.flatMap((retry) => [retry.backend === 'local' ? 'local' : retry.backend, retry.nextBackend === 'local' ? 'local' : retry.nextBackend]),
    ...timeline.breakers.map((change) => change.backend),
  ];
  for (const name of rest) if (!lanes.includes(name) && !(name === 'local' && workerLanes > 0 && !hasUnplacedLocal(timeline))) lanes.push(name);
  return { lanes, workerLanes };
}

function hasUnplacedLocal(timeline: Timeline): boolean {
  return timeline.attempts.some((a) => a.backend === 'local' && a.workerId === undefined);
}

function bar(attempt: TimelineAttempt, lane: number, task: number): ReportBar {
  const sent = attempt.dispatchedMs ?? attempt.createdMs;
  // A local bar ends when its chunk's reply reached the offloader; it ran for runMs before that.
  const startMs = attempt.backend === 'local' && attempt.workerId !== undefined ? Math.max(sent, attempt.endMs - attempt.runMs) : sent;
  const reported: ReportBar = {
    lane,
    startMs,
    endMs: Math.max(attempt.endMs, startMs),
    task,
    outcome: attempt.outcome,
    taskId: attempt.taskId,
    attempt: attempt.attempt,
    runMs: attempt.runMs,
  };
  if (attempt.estimatedUsd !== undefined) reported.estimatedUsd = attempt.estimatedUsd;
  if (attempt.reason !== undefined) reported.reason = attempt.reason;
  return reported;
}

function costSteps(timeline: Timeline): ReportModel['cost'] {
  const byBackend = new Map<string, [number, number][]>();
  for (const attempt of timeline.attempts) {
    if (attempt.estimatedUsd === undefined) continue;
    const points = byBackend.get(attempt.backend) ?? [[0, 0]];
    points.push([attempt.endMs, (points.at(-1)?.[1] ?? 0) + attempt.estimatedUsd]);
    byBackend.set(attempt.backend, points);
  }
  return [...byBackend].map(([backend, points]) => ({ backend, points }));
}

function utilization(bars: readonly ReportBar[], workerLanes: number, endMs: number): ReportModel['heatmap'] {
  const bucketMs = Math.max(endMs, 1) / HEATMAP_BUCKETS;
  const busy = Array.from({ length: workerLanes }, () => new Float64Array(HEATMAP_BUCKETS));
  for (const { lane, startMs, endMs: barEnd } of bars) {
    if (lane >= workerLanes) continue;
    for (let bucket = Math.floor(startMs / bucketMs); bucket < HEATMAP_BUCKETS && bucket * bucketMs < barEnd; bucket++) {
      const overlap = Math.min(barEnd, (bucket + 1) * bucketMs) - Math.max(startMs, bucket * bucketMs);
      if (overlap > 0) busy[lane][bucket] += overlap;
    }
  }
  const cells: [number, number, number][] = [];
  for (let lane = 0; lane < workerLanes; lane++) {
    for (let bucket = 0; bucket < HEATMAP_BUCKETS; bucket++) cells.push([bucket, lane, Math.min(1, Math.round((busy[lane][bucket] / bucketMs) * 100) / 100)]);
  }
  return { bucketMs, buckets: HEATMAP_BUCKETS, cells };
}

function marks(timeline: Timeline, lanes: string[], laneOfAttempt: Map<string, number>): ReportMark[] {
  const index = (name: string) => Math.max(0, lanes.indexOf(name));
  const result: ReportMark[] = [];
  for (const spill of timeline.spills)
    result.push({ atMs: spill.atMs, lane: index(spill.backend), kind: 'spill', text: `${spill.taskName} spilled to ${spill.backend}: ${spill.reason}` });
  for (const retry of timeline.retries) {
    const lane = laneOfAttempt.get(`${retry.taskId}#${retry.attempt}`) ?? index(retry.backend);
    const kind = retry.nextBackend === retry.backend ? 'retry' : 'failover';
    result.push({
      atMs: retry.atMs,
      lane,
      kind,
      text: `${retry.taskName} ${retry.taskId} attempt ${retry.attempt} ${retry.code} → ${retry.nextBackend}: ${retry.reason}`,
    });
  }
  for (const change of timeline.breakers)
    result.push({ atMs: change.atMs, lane: index(change.backend), kind: 'breaker', text: `${change.backend} breaker ${change.state}: ${change.reason}` });
  return result.sort((a, b) => a.atMs - b.atMs);
}

/** The report's model of `timeline`. */
export function reportModel(timeline: Timeline): ReportModel {
  const { lanes, workerLanes } = laneNames(timeline);
  const tasks: string[] = [];
  const laneOfAttempt = new Map<string, number>();
  const bars = timeline.attempts.map((attempt) => {
    if (!tasks.includes(attempt.taskName)) tasks.push(attempt.taskName);
    const lane = lanes.indexOf(laneOf(attempt));
    laneOfAttempt.set(`${attempt.taskId}#${attempt.attempt}`, lane);
    return bar(attempt, lane, tasks.indexOf(attempt.taskName));
  });
  let endMs = timeline.takenAtMs;
  for (const { endMs: barEnd } of bars) endMs = Math.max(endMs, barEnd);
  return {
    lanes,
    workerLanes,
    tasks,
    bars,
    marks: marks(timeline, lanes, laneOfAttempt),
    queue: timeline.queue.map((sample) => [sample.atMs, sample.queued, sample.predictedWaitMs]),
    burst: { ...timeline.burst },
    cost: costSteps(timeline),
    heatmap: utilization(bars, workerLanes, endMs),
    endMs,
    droppedAttempts: timeline.droppedAttempts,
    startedAtEpochMs: timeline.startedAtEpochMs,
  };
}
