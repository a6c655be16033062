// The local pool's queue lets go of settled attempts: a settled job's sink (the
// caller's run, its input and result) can be collected before the queue compacts.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { AttemptSink } from '../../src/backends/local/attempt-sink.js';
import { QUEUED } from '../../src/backends/local/job.js';
import { JobQueue } from '../../src/backends/local/job-queue.js';
import type { TaskEnvelope } from '../../src/contract/envelope.js';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** Pushes `count` jobs, each with its own sink holding 1 MB, dequeues and settles them; returns weak references to the sinks. */
function settleJobs(queue: JobQueue, count: number): WeakRef<AttemptSink>[] {
  const sinks: WeakRef<AttemptSink>[] = [];
  for (let index = 0; index < count; index++) {
    const payload = new Uint8Array(1024 * 1024);
    const sink: AttemptSink & { payload: Uint8Array } = { payload, dispatched() {}, settled() {} };
    sinks.push(new WeakRef(sink));
    const envelope = { version: 1, id: `t${index}`, task: 'noop', bundleHash: 'h', attempt: 1, input: '[1]' } as TaskEnvelope;
    queue.push({ envelope, sink, affinityKey: undefined, state: QUEUED, index: 0, unstartedResends: 0 });
  }
  for (let index = 0; index < count; index++) {
    const job = queue.dequeue();
    if (job !== undefined) queue.settle(job, undefined);
  }
  return sinks;
}

describe('JobQueue', () => {
  it('keeps no settled job alive: their sinks are collected although the queue has not compacted', async () => {
    const queue = new JobQueue();
    const sinks = settleJobs(queue, 8);
    expect(queue.queued).toBe(0);
    // WeakRef targets stay alive until the current job ends.
    await new Promise((resolve) => setImmediate(resolve));
    collect();
    expect(sinks.filter((sink) => sink.deref() !== undefined)).toHaveLength(0);
  });
});
