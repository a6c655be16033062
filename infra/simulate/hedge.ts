/**
 * The offloader's hedge rule in simulated time (src/offloader/hedge-watch.ts):
 * each attempt's timer is the learned `afterPercentile` of its task's
 * durations on its backend (the same `HedgeHistory`, with the same minimum
 * of samples), from placement on a remote or from the start of a local
 * run; past it, one backup goes to the local pool when the straggler is
 * remote and a worker is free with nothing queued, else to the first other
 * remote that has room (concurrency, budget, `maxExtraCost`). The first
 * result wins. A local loser is cancelled (its worker frees at once); a
 * remote loser runs on and is billed, as a real function does. Backups on
 * remotes reserve and are billed like any remote attempt.
 */
import { ValidationError } from '../../src/errors.js';
import type { HedgeOptions } from '../../src/hedge-options.js';
import { HedgeHistory } from '../../src/offloader/hedge-history.js';
import { type Completion, CompletionHeap } from './completion-heap.js';

/** Parses `--hedge p95` (or `95`). */
export function parseHedge(text: string, maxExtraCost?: number): HedgeOptions {
  const match = /^p?(\d+(?:\.\d+)?)$/.exec(text.trim());
  const percentile = match === null ? Number.NaN : Number(match[1]);
  if (!(percentile > 0 && percentile < 100)) {
    throw new ValidationError(`Expected \`--hedge\` to be a percentile above 0 and below 100 such as p95, got "${text}"`, { path: 'hedge' });
  }
  return maxExtraCost === undefined ? { afterPercentile: percentile } : { afterPercentile: percentile, maxExtraCost };
}

/** What a simulated run's hedging did. */
export interface SimHedgeResult {
  /** Backup attempts sent. */
  sent: number;
  /** Tasks whose backup answered first. */
  won: number;
  /** Billed for remote backups, USD (part of the run's cost). */
  extraUsd: number;
}

/** No backend: the -1 of `Completion.remote` is the local pool, so this is -2. */
const NONE = -2;

/** The hedging state of one simulated run; backends are a remote's index, or -1 for the local pool. */
export class SimHedge {
  readonly #options: HedgeOptions;
  readonly #names: readonly string[];
  readonly #history = new HedgeHistory();
  readonly #timers = new CompletionHeap();
  /** Per arrival: the primary's backend and start, the backup's backend (NONE: none sent) and start, done, a local attempt running, a cancelled local loser. */
  readonly #primaryOn: Int16Array;
  readonly #primaryAt: Float64Array;
  readonly #backupOn: Int16Array;
  readonly #backupAt: Float64Array;
  readonly #done: Uint8Array;
  readonly #cancelled: Uint8Array;
  #seq = 0;
  #extraReservedUsd = 0;
  readonly result: SimHedgeResult = { sent: 0, won: 0, extraUsd: 0 };

  /** `arrivals`: the trace's length; `remotes`: the remotes' names, in order. */
  constructor(options: HedgeOptions, arrivals: number, remotes: readonly string[]) {
    this.#options = options;
    this.#names = remotes;
    this.#primaryOn = new Int16Array(arrivals).fill(NONE);
    this.#primaryAt = new Float64Array(arrivals);
    this.#backupOn = new Int16Array(arrivals).fill(NONE);
    this.#backupAt = new Float64Array(arrivals);
    this.#done = new Uint8Array(arrivals);
    this.#cancelled = new Uint8Array(arrivals);
  }

  #name(backend: number): string {
    return backend === -1 ? 'local' : this.#names[backend];
  }

  /** The primary attempt of arrival `index` (task `task`) started on `backend` at `now`: its timer is set when the percentile is known. */
  armed(index: number, task: string, backend: number, now: number): void {
    this.#primaryOn[index] = backend;
    this.#primaryAt[index] = now;
    if (this.#backupOn[index] !== NONE) return;
    const afterMs = this.#history.percentileMs(this.#name(backend), task, this.#options.afterPercentile);
    if (afterMs === undefined) return;
    this.#timers.push({ at: now + afterMs, seq: this.#seq++, remote: backend, env: 0, index, task, durationMs: 0, costUsd: 0 });
  }

  /** When the next timer fires (Infinity: none). */
  nextAt(): number {
    return this.#timers.peek()?.at ?? Number.POSITIVE_INFINITY;
  }

  /** The next timer, when its straggler still runs there with no backup (else undefined: it is stale). */
  due(): Completion | undefined {
    const timer = this.#timers.pop();
    if (timer === undefined) return undefined;
    const { index, remote } = timer;
    const live = this.#done[index] === 0 && this.#backupOn[index] === NONE && this.#primaryOn[index] === remote;
    return live ? timer : undefined;
  }

  /** True when the attempt of arrival `index` on `backend` is its backup. */
  isBackup(index: number, backend: number): boolean {
    return this.#backupOn[index] === backend;
  }

  /** True when a remote backup reserving `reserveUsd` fits in `maxExtraCost`. */
  fits(reserveUsd: number): boolean {
    const { maxExtraCost } = this.#options;
    return maxExtraCost === undefined || this.result.extraUsd + this.#extraReservedUsd + reserveUsd <= maxExtraCost;
  }

  /** A backup of arrival `index` went to `backend` at `now`, reserving `reserveUsd`. */
  sent(index: number, backend: number, now: number, reserveUsd: number): void {
    this.#backupOn[index] = backend;
    this.#backupAt[index] = now;
    this.#extraReservedUsd += reserveUsd;
    this.result.sent++;
  }

  /**
   * An attempt of `item.index` completed on `item.remote` at `item.at`:
   * `first` when it is the task's result; `cancelLocal` when that leaves a
   * local loser to cancel; `skip` when it is a local loser cancelled earlier
   * (its worker was freed then). A remote backup's bill counts as extra.
   */
  completed(item: Completion, reserveUsd: number): { first: boolean; cancelLocal: boolean; skip: boolean } {
    const { index, remote, task, at } = item;
    const backup = this.#backupOn[index] === remote;
    if (backup && remote !== -1) {
      this.result.extraUsd += item.costUsd;
      this.#extraReservedUsd = Math.max(0, this.#extraReservedUsd - reserveUsd);
    }
    if (remote === -1 && this.#cancelled[index] === 1) {
      this.#cancelled[index] = 0;
      return { first: false, cancelLocal: false, skip: true };
    }
    if (this.#done[index] === 1) return { first: false, cancelLocal: false, skip: false };
    this.#done[index] = 1;
    this.#history.record(this.#name(remote), task, at - (backup ? this.#backupAt[index] : this.#primaryAt[index]));
    const other = backup ? this.#primaryOn[index] : this.#backupOn[index];
    if (backup) {
      this.result.won++;
      // The straggler's time so far: a lower bound of its duration, as the offloader learns it.
      this.#history.record(this.#name(other), task, at - this.#primaryAt[index]);
    }
    const cancelLocal = other === -1 && remote !== -1;
    if (cancelLocal) this.#cancelled[index] = 1;
    return { first: true, cancelLocal, skip: false };
  }
}
