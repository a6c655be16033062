// The CPU lists `taskset` and cpusets leave in /proc/self/status, as `local.cpuPinning` reads them.
import { describe, expect, it } from 'vitest';
import { parseCpuList } from '../../src/backends/local/cpu-affinity.js';

describe('parseCpuList', () => {
  it('reads single CPUs and ranges, in order, once each', () => {
    expect(parseCpuList('0-3,8,10-11\n')).toEqual([0, 1, 2, 3, 8, 10, 11]);
    expect(parseCpuList('5')).toEqual([5]);
    expect(parseCpuList('2-3,3,1')).toEqual([1, 2, 3]);
  });

  it('names no CPU for an empty or unreadable list', () => {
    expect(parseCpuList('')).toEqual([]);
    expect(parseCpuList('x-y')).toEqual([]);
  });
});
