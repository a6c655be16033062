/**
 * What the remotes have cost so far: a total per backend and a sliding
 * one-hour window, from each remote run's billed cost (the backend's price
 * model applied to the measured run time, rounded as the provider bills).
 */

const HOUR_MS = 3_600_000;

/** Spend so far, in USD. */
export interface SpendSummary {
  /** Billed on remotes so far, USD. */
  totalUsd: number;
  /** Billed on remotes in the last hour, USD. */
  lastHourUsd: number;
  /** Per backend name. */
  byBackend: Record<string, number>;
  /** Of `totalUsd`, what moving tasks' data to remotes in other regions cost (`cost.crossRegionUsdPerGb`), USD. */
  crossRegionUsd: number;
}

/** Accumulates billed costs. */
export class SpendTracker {
  readonly #byBackend = new Map<string, number>();
  #totalUsd = 0;
  /** Recent charges, oldest first, for the hourly window. */
  #recent: { at: number; usd: number }[] = [];
  #recentUsd = 0;

  /** Records one billed run. */
  add(backend: string, usd: number, now = Date.now()): void {
    if (!(usd > 0)) return;
    this.#byBackend.set(backend, (this.#byBackend.get(backend) ?? 0) + usd);
    this.#totalUsd += usd;
    this.#recent.push({ at: now, usd });
    this.#recentUsd += usd;
  }

  /** Total spend and spend in the hour before `now`. */
  current(now = Date.now()): { totalUsd: number; lastHourUsd: number } {
    let drop = 0;
    while (drop < this.#recent.length && this.#recent[drop].at <= now - HOUR_MS) {
      this.#recentUsd -= this.#recent[drop].usd;
      drop++;
    }
    if (drop > 0) this.#recent = this.#recent.slice(drop);
    return { totalUsd: this.#totalUsd, lastHourUsd: Math.max(0, this.#recentUsd) };
  }

  /** Everything, for `stats()`. */
  summary(now = Date.now()): Omit<SpendSummary, 'crossRegionUsd'> {
    return { ...this.current(now), byBackend: Object.fromEntries(this.#byBackend) };
  }
}
