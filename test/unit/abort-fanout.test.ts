// abort-fanout: one 'abort' listener per signal however many attempts wait on
// it (a listener added and removed per attempt makes a chain the garbage
// collector promotes; see src/backends/abort-fanout.ts).
import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { stopWaiting, waitForAbort } from '../../src/backends/abort-fanout.js';

describe('waitForAbort', () => {
  it('adds one listener to a signal for any number of waiters, and calls each waiter still waiting once', () => {
    const controller = new AbortController();
    const waiters = Array.from({ length: 1000 }, () => vi.fn());
    const slots = waiters.map((waiter) => waitForAbort(controller.signal, waiter));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    // Half stop waiting (their attempts settled), and a stale slot is stopped twice.
    for (let index = 0; index < 1000; index += 2) stopWaiting(controller.signal, slots[index]);
    stopWaiting(controller.signal, slots[0]);
    // Waiters that come after others left keep the one listener.
    const late = vi.fn();
    waitForAbort(controller.signal, late);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    controller.abort();
    expect(waiters.map((waiter) => waiter.mock.calls.length)).toEqual(waiters.map((_, index) => (index % 2 === 0 ? 0 : 1)));
    expect(late).toHaveBeenCalledOnce();
  });

  it('skips a waiter that an earlier one stopped while the signal aborts, as a removed listener is', () => {
    const controller = new AbortController();
    const second = vi.fn();
    const third = vi.fn();
    let secondSlot = -1;
    waitForAbort(controller.signal, () => stopWaiting(controller.signal, secondSlot));
    secondSlot = waitForAbort(controller.signal, second);
    waitForAbort(controller.signal, third);
    controller.abort();
    expect(second).not.toHaveBeenCalled();
    expect(third).toHaveBeenCalledOnce();
  });

  it('answers -1 for a signal that has already aborted and never calls its waiter', () => {
    const onAbort = vi.fn();
    const slot = waitForAbort(AbortSignal.abort(), onAbort);
    expect(slot).toBe(-1);
    stopWaiting(AbortSignal.abort(), slot);
    expect(onAbort).not.toHaveBeenCalled();
  });

  it('keeps separate waiters for separate signals', () => {
    const first = new AbortController();
    const second = new AbortController();
    const onFirst = vi.fn();
    const onSecond = vi.fn();
    waitForAbort(first.signal, onFirst);
    waitForAbort(second.signal, onSecond);
    first.abort();
    expect(onFirst).toHaveBeenCalledOnce();
    expect(onSecond).not.toHaveBeenCalled();
  });
});
