// The pure part of `burst.prewarm` (src/scheduler/prewarm-rule.ts), which the offloader's Prewarmer and `spillway simulate` both run.
import { describe, expect, it } from 'vitest';
import { checkSpike, NO_SPIKE_WINDOW, SPIKE_WINDOW_MS, warmUpsToSend } from '../../src/scheduler/prewarm-rule.js';

describe('checkSpike', () => {
  it('starts a window at the first observation, never a spike then', () => {
    expect(checkSpike(NO_SPIKE_WINDOW, 50, 10, 1)).toEqual({ window: { startedAt: 10, queued: 50 }, spike: false });
  });

  it('is a spike once the queue is onQueueGrowth deeper than at the window start, within the window', () => {
    const window = { startedAt: 0, queued: 4 };
    expect(checkSpike(window, 6, 500, 3)).toEqual({ window, spike: false });
    expect(checkSpike(window, 7, 500, 3)).toEqual({ window, spike: true });
    expect(checkSpike(window, 9, SPIKE_WINDOW_MS - 1, 3).spike).toBe(true);
  });

  it('starts a new window once the current one is a second old, whatever the growth', () => {
    expect(checkSpike({ startedAt: 0, queued: 0 }, 100, SPIKE_WINDOW_MS, 3)).toEqual({ window: { startedAt: SPIKE_WINDOW_MS, queued: 100 }, spike: false });
  });
});

describe('warmUpsToSend', () => {
  const policy = { maxEnvironments: 5, onQueueGrowth: 1 };

  it('sends maxEnvironments minus the busy environments, idle ones taking some', () => {
    expect(warmUpsToSend(policy, { busy: 0, warmIdle: 0, freeConcurrency: 100 })).toBe(5);
    expect(warmUpsToSend(policy, { busy: 2, warmIdle: 1, freeConcurrency: 100 })).toBe(3);
  });

  it('sends none when maxEnvironments are already busy or likely warm', () => {
    expect(warmUpsToSend(policy, { busy: 2, warmIdle: 3, freeConcurrency: 100 })).toBe(0);
    expect(warmUpsToSend(policy, { busy: 7, warmIdle: 0, freeConcurrency: 100 })).toBe(0);
  });

  it('stays within the free concurrency', () => {
    expect(warmUpsToSend(policy, { busy: 0, warmIdle: 0, freeConcurrency: 2 })).toBe(2);
    expect(warmUpsToSend(policy, { busy: 0, warmIdle: 0, freeConcurrency: -1 })).toBe(0);
  });
});
