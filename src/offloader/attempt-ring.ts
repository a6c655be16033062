/**
 * The timeline's attempts, stored by column (typed arrays for the numbers,
 * arrays of the strings the run already holds) in a ring of fixed capacity:
 * recording an attempt allocates nothing and leaves no object behind for the
 * garbage collector, even with 100,000 kept. Columns grow by doubling up to
 * the capacity, so an offloader that runs few tasks holds little.
 */
import type { TimelineAttempt } from './timeline.js';

/** One ended attempt as its run reports it; times are `performance.now()` values. */
export interface EndedAttempt {
  taskName: string;
  taskId: string;
  attempt: number;
  backend: string;
  workerId: number | undefined;
  createdAt: number;
  dispatchedAt: number | undefined;
  runMs: number;
  outcome: string;
  estimatedUsd: number | undefined;
  /** Why the attempt was sent besides the task's own course: `hedge` for a backup of a straggler. */
  reason?: 'hedge';
}

const INITIAL_ROWS = 256;

/** Rounds to µs. */
const micro = (ms: number): number => Math.round(ms * 1000) / 1000;

/** The attempts of a timeline: the last `capacity` of them. */
export class AttemptRing {
  readonly #capacity: number;
  #rows = 0;
  #size = 0;
  #next = 0;
  dropped = 0;
  #taskName: string[] = [];
  #taskId: string[] = [];
  #backend: string[] = [];
  #outcome: string[] = [];
  /** Rows whose attempt was a hedge's backup (sparse: most rows have none). */
  #hedge: (true | undefined)[] = [];
  #attempt = new Uint32Array(0);
  #workerId = new Int32Array(0);
  /** createdAt, dispatchedAt (NaN: never), endAt, runMs, estimatedUsd (NaN: none), five per row. */
  #numbers = new Float64Array(0);

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Records `ended`, which ended at `endAt`; past the capacity, over the oldest. */
  push(ended: EndedAttempt, endAt: number): void {
    if (this.#capacity === 0) {
      this.dropped++;
      return;
    }
    if (this.#size === this.#rows && this.#rows < this.#capacity) this.#grow();
    const row = this.#next;
    this.#taskName[row] = ended.taskName;
    this.#taskId[row] = ended.taskId;
    this.#backend[row] = ended.backend;
    this.#outcome[row] = ended.outcome;
    this.#hedge[row] = ended.reason === 'hedge' ? true : undefined;
    this.#attempt[row] = ended.attempt;
    this.#workerId[row] = ended.workerId ?? -1;
    const base = row * 5;
    const numbers = this.#numbers;
    numbers[base] = ended.createdAt;
    numbers[base + 1] = ended.dispatchedAt ?? Number.NaN;
    numbers[base + 2] = endAt;
    numbers[base + 3] = ended.runMs;
    numbers[base + 4] = ended.estimatedUsd ?? Number.NaN;
    this.#next = (row + 1) % this.#capacity;
    if (this.#size < this.#capacity) this.#size++;
    else this.dropped++;
  }

  /** The attempts, oldest first, with times in ms since `origin` (a `performance.now()` value). */
  toArray(origin: number): TimelineAttempt[] {
    const attempts: TimelineAttempt[] = [];
    const first = this.#size < this.#capacity ? 0 : this.#next;
    for (let offset = 0; offset < this.#size; offset++) attempts.push(this.#row((first + offset) % this.#capacity, origin));
    return attempts;
  }

  #row(row: number, origin: number): TimelineAttempt {
    const numbers = this.#numbers;
    const base = row * 5;
    const attempt: TimelineAttempt = {
      taskName: this.#taskName[row],
      taskId: this.#taskId[row],
      attempt: this.#attempt[row],
      backend: this.#backend[row],
      createdMs: micro(numbers[base] - origin),
      endMs: micro(numbers[base + 2] - origin),
      runMs: micro(numbers[base + 3]),
      outcome: this.#outcome[row],
    };
    if (this.#workerId[row] !== -1) attempt.workerId = this.#workerId[row];
    if (!Number.isNaN(numbers[base + 1])) attempt.dispatchedMs = micro(numbers[base + 1] - origin);
    if (!Number.isNaN(numbers[base + 4])) attempt.estimatedUsd = numbers[base + 4];
    if (this.#hedge[row] === true) attempt.reason = 'hedge';
    return attempt;
  }

  /** Doubles the columns, up to the capacity; rows are still in order 0..size-1 (the ring has not wrapped). */
  #grow(): void {
    const rows = Math.min(this.#capacity, Math.max(INITIAL_ROWS, this.#rows * 2));
    const attempt = new Uint32Array(rows);
    attempt.set(this.#attempt);
    const workerId = new Int32Array(rows);
    workerId.set(this.#workerId);
    const numbers = new Float64Array(rows * 5);
    numbers.set(this.#numbers);
    this.#attempt = attempt;
    this.#workerId = workerId;
    this.#numbers = numbers;
    this.#rows = rows;
  }
}
