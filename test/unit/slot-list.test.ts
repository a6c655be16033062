// SlotList: the churn-friendly set behind a stream's running tasks and the
// pool's chunks out at a worker (see src/backends/slot-list.ts for why not a Map).
import { describe, expect, it } from 'vitest';
import { SlotList } from '../../src/backends/slot-list.js';

describe('SlotList', () => {
  it('holds what was added until its slot is deleted, and reuses freed slots', () => {
    const list = new SlotList<{ name: string }>();
    const a = { name: 'a' };
    const b = { name: 'b' };
    const c = { name: 'c' };
    const slotA = list.add(a);
    const slotB = list.add(b);
    expect(list.values()).toHaveLength(2);
    list.delete(slotA);
    expect(list.values()).toHaveLength(1);
    expect(list.values()).toEqual([b]);
    // The freed slot is taken again: the list grows only to the most items held at once.
    expect(list.add(c)).toBe(slotA);
    expect([...list]).toEqual([c, b]);
    expect(slotB).not.toBe(slotA);
  });

  it('ignores deleting an empty slot twice, so a stale slot never drops a newer item', () => {
    const list = new SlotList<object>();
    const first = {};
    const slot = list.add(first);
    list.delete(slot);
    list.delete(slot);
    expect(list.values()).toHaveLength(0);
    const second = {};
    expect(list.add(second)).toBe(slot);
    list.delete(-1);
    expect(list.values()).toEqual([second]);
  });

  it('gives a copy from values(), and its iterator skips items deleted meanwhile', () => {
    const list = new SlotList<{ n: number }>();
    const slots = [0, 1, 2, 3, 4].map((n) => list.add({ n }));
    const copy = list.values();
    list.delete(slots[0]);
    expect(copy.map((item) => item.n)).toEqual([0, 1, 2, 3, 4]);
    const seen: number[] = [];
    for (const item of list) {
      seen.push(item.n);
      if (item.n === 1) list.delete(slots[3]);
    }
    expect(seen).toEqual([1, 2, 4]);
  });

  it('lets go of everything on clear()', () => {
    const list = new SlotList<object>();
    list.add({});
    list.add({});
    list.clear();
    expect(list.values()).toHaveLength(0);
    expect(list.values()).toEqual([]);
    expect(list.add({})).toBe(0);
  });
});
