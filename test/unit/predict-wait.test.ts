// The local pool's predicted wait of a new task, with plain maps.
import { describe, expect, it } from 'vitest';
import { predictWaitMs } from '../../src/backends/local/predict-wait.js';

describe('predictWaitMs', () => {
  it('spreads the estimated queued work over the workers', () => {
    const estimates = new Map([
      ['tiny', 0.05],
      ['heavy', 40],
    ]);
    const estimate = (name: string) => estimates.get(name);
    expect(predictWaitMs(new Map([['tiny', 30]]), estimate, 2)).toBeCloseTo(0.75);
    expect(predictWaitMs(new Map([['heavy', 30]]), estimate, 2)).toBe(600);
    expect(
      predictWaitMs(
        new Map([
          ['tiny', 30],
          ['heavy', 30],
        ]),
        estimate,
        2,
      ),
    ).toBeCloseTo(600.75);
  });

  it('counts tasks never measured with the given fallback, and none without one', () => {
    expect(predictWaitMs(new Map([['new', 4]]), () => undefined, 2, 10)).toBe(20);
    expect(predictWaitMs(new Map([['new', 4]]), () => undefined, 2)).toBe(0);
  });

  it('adds the work the workers hold, and is 0 when nothing is queued and a worker is free', () => {
    const busy = { workMs: 30, workerFree: false };
    expect(predictWaitMs(new Map(), () => 5, 2, 0, busy)).toBe(15);
    expect(predictWaitMs(new Map([['task', 2]]), () => 5, 2, 0, busy)).toBe(20);
    expect(predictWaitMs(new Map([['task', 0]]), () => 5, 2, 0, { workMs: 30, workerFree: true })).toBe(0);
    expect(predictWaitMs(new Map([['task', 2]]), () => 5, 2, 0, { workMs: 30, workerFree: true })).toBe(20);
  });

  it('treats zero workers as one', () => {
    expect(predictWaitMs(new Map([['task', 3]]), () => 5, 0)).toBe(15);
  });
});
