/**
 * The timeline's attempts, stored by column (typed arrays for the numbers,
 * arrays of the strings the run already holds, task ids as their counter) in a ring of fixed capacity:
 * recording an attempt allocates nothing and leaves no object behind for the
 * garbage collector, even with 100,000 kept. Columns grow by doubling up to
 * the capacity, so an offloader that runs few tasks holds little.
 */
import type { AttemptReason, TimelineAttempt } from './timeline.js';

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
  /** Why the attempt was sent besides the task's own course (see `TimelineAttempt.reason`). */
  reason?: AttemptReason;
}

const INITIAL_ROWS = 256;

/** Numbers per row of the `#numbers` column block. */
const COLUMNS = 6;

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
  /** Task ids `<prefix><base-36 counter>` (what offloaders make) are kept as the counter; other ids by row, here. */
  readonly #otherIds = new Map<number, string>();
  /** The prefix of the first id seen, up to and including its last `-`. */
  #idPrefix: string | undefined;
  #backend: string[] = [];
  #outcome: string[] = [];
  /** Rows whose attempt was a hedge's backup (sparse: most rows have none). */
  #reason: (AttemptReason | undefined)[] = [];
  #attempt = new Uint32Array(0);
  #workerId = new Int32Array(0);
  /** createdAt, dispatchedAt (NaN: never), endAt, runMs, estimatedUsd (NaN: none), the id's counter (NaN: in `#otherIds`), six per row. */
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
    this.#backend[row] = ended.backend;
    this.#outcome[row] = ended.outcome;
    this.#reason[row] = ended.reason;
    this.#attempt[row] = ended.attempt;
    this.#workerId[row] = ended.workerId ?? -1;
    const base = row * COLUMNS;
    const numbers = this.#numbers;
    numbers[base] = ended.createdAt;
    numbers[base + 1] = ended.dispatchedAt ?? Number.NaN;
    numbers[base + 2] = endAt;
    numbers[base + 3] = ended.runMs;
    numbers[base + 4] = ended.estimatedUsd ?? Number.NaN;
    const counter = this.#counterOf(ended.taskId);
    numbers[base + 5] = counter;
    if (Number.isNaN(counter)) this.#otherIds.set(row, ended.taskId);
    else if (this.#otherIds.size > 0) this.#otherIds.delete(row);
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

  /**
   * The base-36 counter of an id made of the ring's id prefix and that
   * counter, else NaN. A 100,000-row ring keeps about 6 MB less than with
   * a string per row, and the garbage collector's headroom scales with that.
   */
  #counterOf(taskId: string): number {
    if (this.#idPrefix === undefined) this.#idPrefix = taskId.slice(0, taskId.lastIndexOf('-') + 1);
    const prefix = this.#idPrefix;
    if (prefix.length === 0 || !taskId.startsWith(prefix)) return Number.NaN;
    const suffix = taskId.slice(prefix.length);
    const counter = Number.parseInt(suffix, 36);
    // Exact only when the counter writes back as the same text (no leading zeros, no stray characters).
    return counter <= Number.MAX_SAFE_INTEGER && counter.toString(36) === suffix ? counter : Number.NaN;
  }

  #row(row: number, origin: number): TimelineAttempt {
    const numbers = this.#numbers;
    const base = row * COLUMNS;
    const counter = numbers[base + 5];
    const attempt: TimelineAttempt = {
      taskName: this.#taskName[row],
      taskId: Number.isNaN(counter) ? (this.#otherIds.get(row) ?? '') : `${this.#idPrefix}${counter.toString(36)}`,
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
    const reason = this.#reason[row];
    if (reason !== undefined) attempt.reason = reason;
    return attempt;
  }

  /** Doubles the columns, up to the capacity; rows are still in order 0..size-1 (the ring has not wrapped). */
  #grow(): void {
    const rows = Math.min(this.#capacity, Math.max(INITIAL_ROWS, this.#rows * 2));
    const attempt = new Uint32Array(rows);
    attempt.set(this.#attempt);
    const workerId = new Int32Array(rows);
    workerId.set(this.#workerId);
    const numbers = new Float64Array(rows * COLUMNS);
    numbers.set(this.#numbers);
    this.#attempt = attempt;
    this.#workerId = workerId;
    this.#numbers = numbers;
    this.#rows = rows;
  }
}
