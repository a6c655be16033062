/** Seeded pseudo-random numbers for the simulator (mulberry32): the same seed draws the same sequence. */

/** A generator of uniform numbers in [0, 1). */
export type Random = () => number;

/** Creates a generator from a 32-bit `seed`. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform draw from `[min, max]`. */
export function uniform(random: Random, [min, max]: readonly [number, number]): number {
  return min + (max - min) * random();
}
