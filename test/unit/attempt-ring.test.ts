// The timeline's attempt ring keeps offloader-made task ids as their counter:
// every id reads back exactly, odd ones included, also after the ring wraps.
import { describe, expect, it } from 'vitest';
import { AttemptRing, type EndedAttempt } from '../../src/offloader/attempt-ring.js';

const ended = (taskId: string): EndedAttempt => ({
  taskName: 'noop',
  taskId,
  attempt: 1,
  backend: 'local',
  workerId: 0,
  createdAt: 1,
  dispatchedAt: 2,
  runMs: 0.5,
  outcome: 'ok',
  estimatedUsd: undefined,
});

describe('AttemptRing task ids', () => {
  it('reads back every id exactly, whether it follows the first id prefix or not', () => {
    const ids = ['ab12cd34-0', 'ab12cd34-z', 'ab12cd34-10', 'ab12cd34-007', 'other-1', 'no dash', 'ab12cd34-', 'ab12cd34-1b2c3d4e5f6g7h'];
    const ring = new AttemptRing(100);
    for (const id of ids) ring.push(ended(id), 3);
    expect(ring.toArray(0).map((attempt) => attempt.taskId)).toEqual(ids);
  });

  it('keeps the last ids when it wraps over rows that held odd ids', () => {
    const ring = new AttemptRing(3);
    for (const id of ['p-1', 'odd', 'p-3', 'p-4', 'p-5', 'again odd']) ring.push(ended(id), 3);
    expect(ring.toArray(0).map((attempt) => attempt.taskId)).toEqual(['p-4', 'p-5', 'again odd']);
    expect(ring.dropped).toBe(3);
  });
});
