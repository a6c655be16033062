/** A FIFO of queued jobs kept for one worker (see `worker-affinity.ts`); the {@link JobQueue} still counts them. */
import { type Job, QUEUED } from './job.js';

/** Jobs waiting for one worker, oldest first; jobs settled meanwhile are skipped. */
export class Lane {
  #jobs: Job[] = [];
  #head = 0;

  /** Jobs in the lane that still wait (settled ones leave on the next {@link peek}). */
  get queued(): number {
    this.peek();
    return this.#jobs.length - this.#head;
  }

  push(job: Job): void {
    this.#jobs.push(job);
  }

  /** The oldest waiting job, left in the lane. */
  peek(): Job | undefined {
    const jobs = this.#jobs;
    while (this.#head < jobs.length && jobs[this.#head].state !== QUEUED) this.#head++;
    if (this.#head === jobs.length && this.#head > 0) {
      this.#jobs = [];
      this.#head = 0;
    }
    return this.#jobs[this.#head];
  }

  /** Takes the oldest waiting job off the lane. */
  dequeue(): Job | undefined {
    const job = this.peek();
    if (job === undefined) return undefined;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#jobs.length) {
      this.#jobs = this.#jobs.slice(this.#head);
      this.#head = 0;
    }
    return job;
  }

  /** Empties the lane and returns the jobs that still wait, in order. */
  takeAll(): Job[] {
    const jobs = this.#jobs.slice(this.#head).filter((job) => job.state === QUEUED);
    this.#jobs = [];
    this.#head = 0;
    return jobs;
  }
}
