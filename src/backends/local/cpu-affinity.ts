/**
 * The CPUs this process may run on, for `local.cpuPinning`: on Linux the
 * `Cpus_allowed_list` of /proc/self/status (what `taskset` and cpusets
 * set), so each worker process is pinned to one of them rather than to CPU
 * 0..n-1, which a process started with `taskset -c 2,3` may not use.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** The CPUs of a list such as `0-3,8,10-11`, ascending; empty when it names none. */
export function parseCpuList(list: string): number[] {
  const cpus = new Set<number>();
  for (const part of list.trim().split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (match === null) continue;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    for (let cpu = first; cpu <= last; cpu++) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** The CPUs this process may run on: from /proc/self/status where it can be read, else 0..`availableParallelism() - 1`. */
export function allowedCpus(): number[] {
  try {
    const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    const cpus = list === undefined ? [] : parseCpuList(list);
    if (cpus.length > 0) return cpus;
  } catch {
    // Not Linux, or no /proc: count from 0.
  }
  return Array.from({ length: availableParallelism() }, (_, cpu) => cpu);
}
