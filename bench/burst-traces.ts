/**
 * bench/burst's arrival traces, as offsets in ms from the trace start
 * (ascending). Local capacity is 2 workers x ~20 ms = ~100 tasks/s.
 */

/** One trace shape. */
export interface TraceShape {
  key: 'burst' | 'ramp';
  label: string;
  offsets: number[];
}

/** Evenly spaced arrivals at `perSecond` over `[fromMs, toMs)`. */
function steady(fromMs: number, toMs: number, perSecond: number): number[] {
  const offsets: number[] = [];
  for (let at = fromMs; at < toMs; at += 1000 / perSecond) offsets.push(at);
  return offsets;
}

/** Arrivals whose rate moves linearly from `fromRate` to `toRate` (tasks/s) over `[fromMs, toMs)`. */
function linear(fromMs: number, toMs: number, fromRate: number, toRate: number): number[] {
  const offsets: number[] = [];
  let at = fromMs;
  while (at < toMs) {
    const rate = fromRate + ((toRate - fromRate) * (at - fromMs)) / (toMs - fromMs);
    offsets.push(at);
    at += 1000 / Math.max(rate, 1);
  }
  return offsets;
}

/**
 * The burst trace (2,200 tasks over 20 s): 60 tasks/s evenly (about 60% of
 * the local capacity) plus two spikes of 500 tasks at once, at 7 s and 13 s.
 */
export function burstTrace(): TraceShape {
  const offsets = steady(0, 20_000, 60);
  for (const atMs of [7_000, 13_000]) for (let index = 0; index < 500; index++) offsets.push(atMs);
  return { key: 'burst', label: 'burst: 60/s for 20 s + 500 at 7 s + 500 at 13 s', offsets: offsets.sort((a, b) => a - b) };
}

/** The ramp trace: from 30 tasks/s up to 3x capacity (300/s) over 30 s, then back to 30/s over 5 s. */
export function rampTrace(): TraceShape {
  const offsets = [...linear(0, 30_000, 30, 300), ...linear(30_000, 35_000, 300, 30)];
  return { key: 'ramp', label: 'ramp: 30/s -> 300/s over 30 s, back to 30/s over 5 s', offsets };
}

/**
 * The calibration traces, recorded on the local pool and given to
 * `spillway simulate` to choose the threshold: one of each measured shape,
 * separate from the measured traces and shorter. A spike: 60/s for 8 s with
 * 400 at 2 s. A ramp with the measured ramp's slope (9 tasks/s per s, which
 * sets how often a remote needs a new environment): 30/s -> 165/s over
 * 15 s, back to 30/s over 2.5 s.
 */
export function calibrationTraces(): { spike: number[]; ramp: number[] } {
  const spike = steady(0, 8_000, 60);
  for (let index = 0; index < 400; index++) spike.push(2_000);
  return { spike: spike.sort((a, b) => a - b), ramp: [...linear(0, 15_000, 30, 165), ...linear(15_000, 17_500, 165, 30)] };
}
