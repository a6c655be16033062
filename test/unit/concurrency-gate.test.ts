// The gate in front of every remote backend: FIFO slots up to the limit,
// abortable waits, rejecting waiters on destroy, and an idle signal for close.
import { describe, expect, it, vi } from 'vitest';
import { createConcurrencyGate } from '../../src/backends/concurrency-gate.js';

const aborted = () => new Error('aborted');

describe('createConcurrencyGate', () => {
  it('grants slots in order up to the limit and hands a released slot to the next waiter', async () => {
    const gate = createConcurrencyGate(1);
    const order: string[] = [];
    const first = await gate.acquire(undefined, aborted);
    const second = gate.acquire(undefined, aborted).then((release) => {
      order.push('second');
      return release;
    });
    const third = gate.acquire(undefined, aborted).then((release) => {
      order.push('third');
      return release;
    });
    expect({ active: gate.active, waiting: gate.waiting }).toEqual({ active: 1, waiting: 2 });
    first();
    first();
    (await second)();
    (await third)();
    expect(order).toEqual(['second', 'third']);
    expect({ active: gate.active, waiting: gate.waiting }).toEqual({ active: 0, waiting: 0 });
  });

  it('drops a waiter whose signal aborts, rejecting with the given error', async () => {
    const gate = createConcurrencyGate(1);
    const held = await gate.acquire(undefined, aborted);
    const controller = new AbortController();
    const waiting = gate.acquire(controller.signal, () => new Error(`gave up: ${String(controller.signal.reason)}`));
    controller.abort('timeout');
    await expect(waiting).rejects.toThrow('gave up: timeout');
    expect(gate.waiting).toBe(0);
    held();
    expect(gate.active).toBe(0);
  });

  it('rejects every waiter on rejectWaiting and resolves whenIdle once the last slot is released', async () => {
    const gate = createConcurrencyGate(1);
    const held = await gate.acquire(undefined, aborted);
    const waiter = gate.acquire(undefined, aborted);
    let idle = false;
    const whenIdle = gate.whenIdle().then(() => {
      idle = true;
    });
    gate.rejectWaiting(() => new Error('destroyed'));
    await expect(waiter).rejects.toThrow('destroyed');
    await Promise.resolve();
    expect(idle).toBe(false);
    held();
    await whenIdle;
    expect(idle).toBe(true);
  });

  it('holds growth beyond the most slots ever held to the scaling ramp, and reuses warm slots freely', async () => {
    vi.useFakeTimers();
    try {
      let clock = 0;
      // 2 new environments per 100 ms, up to 10 slots.
      const gate = createConcurrencyGate(10, { environments: 2, perMs: 100, now: () => clock });
      const granted: number[] = [];
      const releases: (() => void)[] = [];
      const pending = Array.from({ length: 5 }, (_, index) =>
        gate.acquire(undefined, aborted).then((release) => {
          granted.push(index);
          releases.push(release);
        }),
      );
      await Promise.resolve();
      await Promise.resolve();
      expect(granted).toEqual([0, 1]);
      expect(gate.waiting).toBe(3);
      // A slot handed back is reused at once: no new environment needed.
      releases[0]();
      await Promise.resolve();
      expect(granted).toEqual([0, 1, 2]);
      clock += 50;
      await vi.advanceTimersByTimeAsync(50);
      expect(granted).toEqual([0, 1, 2, 3]);
      clock += 50;
      await vi.advanceTimersByTimeAsync(50);
      await Promise.all(pending);
      expect(granted).toEqual([0, 1, 2, 3, 4]);
      expect(gate.active).toBe(4);
    } finally {
      vi.useRealTimers();
    }
  });
});
