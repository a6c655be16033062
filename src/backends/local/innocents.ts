/**
 * What happens to the other attempts of a chunk whose worker died from a
 * fault that was not theirs. An attempt that had not started runs again, and
 * so does an idempotent one; a non-idempotent attempt that had started its
 * user code is never run a second time: it fails with a `BackendError`
 * saying why (its slot in the progress buffer tells whether it had started,
 * or even finished).
 */
import { BackendError } from '../../errors.js';
import type { Chunk, Job } from './job.js';
import { SLOT_DONE, SLOT_STARTED } from './wire-format.js';

/** The innocent attempts of a chunk, sorted. */
export interface Innocents {
  /** Attempts that may run again, in chunk order. */
  again: Job[];
  /** Started non-idempotent attempts, each with whether it had finished its user code. */
  kept: { job: Job; finished: boolean }[];
}

/** Sorts the attempts of `chunk` other than the one at `culprit` (-1: none of them). */
export function sortInnocents(chunk: Chunk, culprit: number): Innocents {
  const innocents: Innocents = { again: [], kept: [] };
  const { jobs, slots } = chunk;
  for (let index = 0; index < jobs.length; index++) {
    if (index === culprit) continue;
    const job = jobs[index];
    const state = Atomics.load(slots, index);
    // SLOT_STARTED and above: started (running, finished, or asked to stop).
    if (state < SLOT_STARTED || job.task?.idempotent !== false) innocents.again.push(job);
    else innocents.kept.push({ job, finished: state === SLOT_DONE });
  }
  return innocents;
}

/**
 * The error of a started non-idempotent attempt whose worker died from a
 * fault of `blamed` (a description of the task that caused it); `death` is
 * that worker's death as the culprit's error.
 */
export function notRerunError(job: Job, finished: boolean, blamed: string, death: BackendError): BackendError {
  const { task: taskName, id: taskId } = job.envelope;
  const stage = finished ? 'after it had finished, before its result was sent' : 'while it was running';
  return new BackendError(
    `The worker running task "${taskName}" died ${stage}, from a fault of ${blamed} (${death.message}); task "${taskName}" was not run again because it is not idempotent (idempotent: false): check its effects, then run it again if they are missing`,
    { code: death.code, retryable: false, cause: death, taskName, taskId },
  );
}
