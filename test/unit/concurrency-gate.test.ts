// The gate in front of every remote backend: FIFO slots up to the limit,
// abortable waits, rejecting waiters on destroy, and an idle signal for close.
import { describe, expect, it } from 'vitest';
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
});
