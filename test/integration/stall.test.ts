// Stall detection of the local pool: an attempt without timeoutMs that runs
// past its stallAfterMs raises one `stall` event and counts in
// stats().local.stalls; with onStall: 'restart' its worker is terminated and
// an idempotent task is sent again. The tasks never settle (a lost promise);
// the limits are small so the tests wait for events, never for a clock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BackendError, createOffloader, type LocalOptions, type Offloader, type StallInfo, TimeoutError } from '../../src/index.js';
import { hang, hangOnce, hangUnsafe, hangWithTimeout, whoAmI } from '../fixtures/stall-tasks.js';
import { rejectionOf } from '../support/helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'spillway-stall-'));
const live: Offloader[] = [];

function create(local: LocalOptions = {}): Offloader {
  const offloader = createOffloader({ tasks: new URL('../fixtures/stall-tasks.ts', import.meta.url), local: { maxWorkers: 2, ...local } });
  live.push(offloader);
  return offloader;
}

afterEach(async () => {
  await Promise.all(live.splice(0).map((offloader) => offloader.destroy()));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('stall', () => {
  it('a task that never settles raises `stall` once, with task, task id, worker and how long; the pool keeps serving', async () => {
    const offloader = create({ stallAfterMs: 50 });
    const stalls: StallInfo[] = [];
    offloader.on('stall', (stall) => stalls.push(stall));
    const controller = new AbortController();
    const hung = rejectionOf(offloader.run(hang, undefined, { signal: controller.signal }));
    const stall = await new Promise<StallInfo>((resolve) => offloader.once('stall', resolve));
    expect(stall).toMatchObject({ taskName: 'hang', backend: 'local', stallAfterMs: 50, action: 'report', retried: false });
    expect(stall.taskId).toMatch(/\S/);
    expect(stall.worker).toBeGreaterThan(0);
    expect(stall.runningMs).toBeGreaterThanOrEqual(50);
    // The other worker serves while the stalled attempt keeps running, across several scans.
    expect(await offloader.run(whoAmI, undefined)).not.toBe(stall.worker);
    expect(await offloader.run(whoAmI, undefined)).not.toBe(stall.worker);
    await rejectionOf(offloader.run(hangWithTimeout, undefined, { timeoutMs: 1_200 }));
    expect(stalls).toEqual([stall]);
    expect(offloader.stats().local.stalls).toBe(1);
    controller.abort();
    await hung;
  });

  it("onStall: 'restart' terminates the worker and sends an idempotent task again; the pool keeps serving", async () => {
    const offloader = create();
    const stalls: StallInfo[] = [];
    offloader.on('stall', (stall) => stalls.push(stall));
    const worker = await offloader.run(hangOnce, join(scratch, 'hang-once'));
    expect(stalls).toHaveLength(1);
    expect(stalls[0]).toMatchObject({ taskName: 'hangOnce', action: 'restart', retried: true, stallAfterMs: 50 });
    expect(worker).not.toBe(stalls[0]?.worker);
    expect(offloader.stats().local).toMatchObject({ stalls: 1, workerFaults: 0 });
    expect(await offloader.map(whoAmI, [undefined, undefined, undefined])).toHaveLength(3);
  });

  it("onStall: 'restart' fails a non-idempotent task with BackendError ERR_WORKER_STALLED", async () => {
    const offloader = create();
    const error = await rejectionOf(offloader.run(hangUnsafe, undefined));
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: 'ERR_WORKER_STALLED', taskName: 'hangUnsafe', retryable: false });
    expect((error as Error).message).toContain('stallAfterMs of 50 ms');
    expect(offloader.stats().local.stalls).toBe(1);
    expect(await offloader.run(whoAmI, undefined)).toBeGreaterThan(0);
  });

  it('a task with timeoutMs is never watched: it times out, no stall', async () => {
    const offloader = create({ stallAfterMs: 20, onStall: 'restart' });
    offloader.on('stall', () => expect.unreachable('a task with timeoutMs stalled'));
    expect(await rejectionOf(offloader.run(hangWithTimeout, undefined))).toBeInstanceOf(TimeoutError);
    expect(offloader.stats().local.stalls).toBe(0);
  });
});
