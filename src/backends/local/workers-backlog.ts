/** What the pool's workers hold ahead of a new task, for its predicted wait (predict-wait.ts). */
import { type Chunk, SENT } from './job.js';

/** The attempts handed to workers behind the ones they run, and the estimated work they all hold. */
export interface WorkersBacklog {
  /** Attempts handed to a worker behind the one it runs: they still wait. */
  waiting: number;
  /** Their estimated run times plus what is left of each running attempt's (its estimate less its time so far, at least 0), ms. */
  workMs: number;
}

/** The backlog of the chunks out at the workers (`chunks`), with run times from `estimateMs`, at `now` (`Date.now()`). */
export function workersBacklog(chunks: Iterable<Chunk>, estimateMs: (taskName: string) => number, now: number): WorkersBacklog {
  let waiting = 0;
  let workMs = 0;
  // A chunk's attempts are mostly of one task: its estimate is looked up once per run of equal names.
  let lastTask: string | undefined;
  let lastMs = 0;
  const estimate = (task: string): number => {
    if (task !== lastTask) {
      lastTask = task;
      lastMs = estimateMs(task);
    }
    return lastMs;
  };
  for (const chunk of chunks) {
    const running = Atomics.load(chunk.running, 0);
    if (running > 0 && chunk.jobs[running - 1].state === SENT)
      workMs += Math.max(0, estimate(chunk.jobs[running - 1].envelope.task) - (now - chunk.startedAt[0]));
    for (let index = running; index < chunk.jobs.length; index++) {
      const job = chunk.jobs[index];
      if (job.state !== SENT) continue;
      waiting++;
      workMs += estimate(job.envelope.task);
    }
  }
  return { waiting, workMs };
}
