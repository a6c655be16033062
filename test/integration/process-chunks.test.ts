// The process-isolated pool batches attempts as the thread pool does: several
// attempts travel to a process in one message, each still starts, settles,
// fails and is cancelled on its own, with the same events as on threads.
// Through the public API; the proof of batching is the task's own view of its
// process: the IPC messages the process had received when the task ran.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AbortError, type OffloadError, type Offloader, type StallInfo } from '../../src/index.js';
import { exitsAt, gate, seen } from '../fixtures/process-chunk-tasks.js';
import { processPool } from '../support/process-pool.js';

const { create, scratch } = processPool(new URL('../fixtures/process-chunk-tasks.ts', import.meta.url), 'spillway-process-chunks-');

/** How many results arrived in each (process, message) pair. */
function perMessage(results: readonly { pid: number; messages: number }[]): number[] {
  const counts = new Map<string, number>();
  for (const { pid, messages } of results) counts.set(`${pid}:${messages}`, (counts.get(`${pid}:${messages}`) ?? 0) + 1);
  return [...counts.values()];
}

/**
 * The outcome events of `offloader`, as `event:attempts:code` (task ids differ
 * from run to run). `dispatch` is left out: how often an innocent attempt is
 * sent again depends on where chunks were cut, as on threads.
 */
function recordEvents(offloader: Offloader): string[] {
  const events: string[] = [];
  for (const name of ['success', 'failure', 'retry'] as const) {
    offloader.on(name, (info) => events.push(`${name}:${info.attempts}:${(info as { error?: OffloadError }).error?.code ?? ''}`));
  }
  return events;
}

describe('process pool chunking', () => {
  it('a map of 2,000 no-op tasks returns every result in order, with many attempts per message', async () => {
    const offloader = create({ minWorkers: 2 });
    const inputs = Array.from({ length: 2_000 }, (_, index) => index);
    const results = await offloader.map(seen, inputs);
    expect(results.map((result) => result.n)).toEqual(inputs);
    expect(new Set(results.map((result) => result.pid)).has(process.pid)).toBe(false);
    // One message per attempt would give 2,000 pairs of one result each.
    const counts = perMessage(results);
    expect(Math.max(...counts)).toBeGreaterThan(1);
    expect(counts.length).toBeLessThan(inputs.length / 2);
  });

  it.each(['thread', 'process'] as const)(
    'a process that exits inside a chunk fails only its own task; the rest settle once, with the same events as threads (%s)',
    async (isolation) => {
      const offloader = create({ isolation, maxWorkers: 1 });
      const events = recordEvents(offloader);
      const inputs = Array.from({ length: 40 }, (_, n) => ({ n, exitAt: 25 }));
      const settled = await Promise.allSettled(inputs.map((input) => offloader.run(exitsAt, input)));
      const failed = settled.flatMap((outcome, n) => (outcome.status === 'rejected' ? [{ n, error: outcome.reason as OffloadError }] : []));
      expect(failed.map(({ n }) => n)).toEqual([25]);
      expect(failed[0].error.code).toBe('ERR_WORKER_EXITED');
      const results = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
      expect(results.map((result) => result.n)).toEqual(inputs.map(({ n }) => n).filter((n) => n !== 25));
      expect(offloader.stats().local.workerFaults).toBe(1);
      if (isolation === 'process') expect(Math.max(...perMessage(results))).toBeGreaterThan(1);
      expect(events.filter((event) => event.startsWith('success'))).toHaveLength(39);
      expect(events.filter((event) => event.startsWith('failure'))).toEqual(['failure:1:ERR_WORKER_EXITED']);
      threadEvents[isolation] = events.sort();
    },
  );

  it('a process killed over maxRssMb inside a chunk fails only the attempt it was running; the others of the chunk run again', async () => {
    const offloader = create({ maxWorkers: 1, minWorkers: 1, maxRssMb: 200 });
    const before = await offloader.run(seen, 0);
    const settled = await Promise.allSettled([0, 1, 2, 3, 4, 5].map((n) => offloader.run(gate, n === 2 ? { n, hogMb: 300 } : { n })));
    expect(settled.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'ERR_WORKER_OUT_OF_MEMORY' });
    const results = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    expect(results.map((result) => result.n)).toEqual([0, 1, 3, 4, 5]);
    // Every result came from the replacement process: those of the killed one died with it.
    expect(results.every((result) => result.pid !== before.pid)).toBe(true);
    expect(offloader.stats().local.workerFaults).toBe(1);
  });

  it('an attempt that stalls inside a chunk is reported as itself, and aborting it lets the rest of the chunk run', async () => {
    const offloader = create({ maxWorkers: 1, minWorkers: 1, stallAfterMs: 50, abortGraceMs: 50 });
    await offloader.run(seen, 0);
    const dispatched: string[] = [];
    offloader.on('dispatch', (info) => dispatched.push(info.taskId));
    const stalls: StallInfo[] = [];
    offloader.on('stall', (info) => stalls.push(info));
    const stalled = new Promise<StallInfo>((resolve) => offloader.once('stall', resolve));
    const controller = new AbortController();
    const first = offloader.run(gate, { n: 0 });
    const hung = offloader.run(gate, { n: 1, hangs: true }, { signal: controller.signal });
    const rest = [2, 3].map((n) => offloader.run(gate, { n }));
    const info = await stalled;
    // The second attempt of the chunk, in its process, not the chunk's first.
    expect(info).toMatchObject({ taskName: 'gate', taskId: dispatched[1], backend: 'local', action: 'report' });
    expect(info.worker).not.toBe(process.pid);
    controller.abort();
    await expect(hung).rejects.toBeInstanceOf(AbortError);
    const results = [await first, ...(await Promise.all(rest))];
    expect(results.map((result) => result.n)).toEqual([0, 2, 3]);
    expect(stalls).toHaveLength(1);
    expect(offloader.stats().local.stalls).toBe(1);
  });

  it('those events are the same on both pools', () => {
    expect(threadEvents.process).toEqual(threadEvents.thread);
  });

  it('an attempt a process has not reached in its chunk is withdrawn unstarted: it never runs and the process is kept', async () => {
    // abortGraceMs 0: an attempt treated as started would have its process terminated at once.
    const offloader = create({ maxWorkers: 1, minWorkers: 1, abortGraceMs: 0 });
    await offloader.run(seen, 0);
    const touch = join(scratch, 'touched');
    const controller = new AbortController();
    let dispatched = 0;
    offloader.on('dispatch', () => {
      // The chunk left for the process: withdraw its second attempt.
      if (++dispatched === 2) queueMicrotask(() => controller.abort());
    });
    // Six attempts queued in one tick travel together. The first waits in the process
    // until the withdrawal (its chunk's message, then the withdrawal's) reached it.
    const first = offloader.run(gate, { n: 0, messagesAtLeast: 3 });
    const withdrawn = offloader.run(gate, { n: 1, touch }, { signal: controller.signal });
    const rest = [2, 3, 4, 5].map((n) => offloader.run(gate, { n }));
    await expect(withdrawn).rejects.toBeInstanceOf(AbortError);
    const results = [await first, ...(await Promise.all(rest))];
    expect(results.map((result) => result.n)).toEqual([0, 2, 3, 4, 5]);
    expect(existsSync(touch)).toBe(false);
    // No message came between the first attempt's end and the start of the one behind the
    // withdrawn one: they arrived together. The process lived on.
    expect(results[1]).toMatchObject({ pid: results[0].pid, messages: results[0].messages });
    expect(new Set(results.map((result) => result.pid)).size).toBe(1);
    expect(offloader.stats().local.workerFaults).toBe(0);
  });
});

const threadEvents: Partial<Record<'thread' | 'process', string[]>> = {};
