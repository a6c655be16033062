// Stall detection of remote attempts (issue 14, part 3): an attempt without
// timeoutMs that has not answered within its stall limit raises the same
// `stall` event as a local one, once, naming the backend, and counts in
// stats().backends[name].stalls. The remote is the real Functions Framework
// on 127.0.0.1 serving test/fixtures/remote-stall-tasks.mjs, whose tasks
// lose their promise; the limits are small, so the tests wait for events.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lambda } from '../../adapters/aws-lambda/index.js';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { AbortError, createOffloader, type Offloader, type StallInfo, TimeoutError } from '../../src/index.js';
import { echo, hang, hangPlain, hangWithTimeout } from '../fixtures/remote-stall-tasks.mjs';
import { type FunctionsFrameworkServer, GCF_TEST_ENTRY, startFunctionsFramework } from '../support/functions-framework.js';
import { rejectionOf } from '../support/helpers.js';

const tasks = new URL('../fixtures/remote-stall-tasks.mjs', import.meta.url);
let framework: FunctionsFrameworkServer;
const live: Offloader[] = [];

beforeAll(async () => {
  framework = await startFunctionsFramework({ source: GCF_TEST_ENTRY, env: { SPILLWAY_TASKS_URL: tasks.href } });
}, 60_000);
afterEach(async () => {
  await Promise.all(live.splice(0).map((offloader) => offloader.destroy()));
});
afterAll(async () => {
  await framework?.stop();
});

/** An offloader whose one remote is the framework, with the remote's `stallAfterMs` when given. */
function create(stallAfterMs?: number): Offloader {
  const remote = cloudFunctions({ url: framework.url, auth: 'none', ...(stallAfterMs === undefined ? {} : { stallAfterMs }) });
  const offloader = createOffloader({ tasks, local: { maxWorkers: 1 }, remotes: [remote] });
  live.push(offloader);
  return offloader;
}

describe('remote stall', () => {
  it('a remote attempt that never answers raises `stall` once, naming the backend; the remote keeps serving', async () => {
    const offloader = create();
    const stalls: StallInfo[] = [];
    offloader.on('stall', (stall) => stalls.push(stall));
    const controller = new AbortController();
    const hung = rejectionOf(offloader.run(hang, undefined, { placement: 'gcf', signal: controller.signal }));
    const stall = await new Promise<StallInfo>((resolve) => offloader.once('stall', resolve));
    expect(stall).toMatchObject({ taskName: 'hang', backend: 'gcf', stallAfterMs: 150, action: 'report', retried: false });
    expect(stall.taskId).toMatch(/\S/);
    expect(stall.worker).toBeUndefined();
    expect(stall.runningMs).toBeGreaterThanOrEqual(150);
    await expect(offloader.run(echo, 1, { placement: 'gcf' })).resolves.toBe(1);
    // Never watched with a timeoutMs, even with a 1 ms stallAfterMs of its own.
    expect(await rejectionOf(offloader.run(hangWithTimeout, undefined, { placement: 'gcf' }))).toBeInstanceOf(TimeoutError);
    expect(stalls).toEqual([stall]);
    expect(offloader.stats().backends.gcf.stalls).toBe(1);
    expect(offloader.stats().backends.local.stalls).toBe(0);
    controller.abort();
    expect(await hung).toBeInstanceOf(AbortError);
    expect(stalls).toHaveLength(1);
  });

  it("the remote's `stallAfterMs` applies to tasks without their own, and a task's own wins", async () => {
    const offloader = create(200);
    const first = new Promise<StallInfo>((resolve) => offloader.once('stall', resolve));
    const plain = rejectionOf(offloader.run(hangPlain, undefined, { placement: 'gcf' }));
    expect(await first).toMatchObject({ taskName: 'hangPlain', backend: 'gcf', stallAfterMs: 200 });
    const second = new Promise<StallInfo>((resolve) => offloader.once('stall', resolve));
    const own = rejectionOf(offloader.run(hang, undefined, { placement: 'gcf' }));
    expect(await second).toMatchObject({ taskName: 'hang', stallAfterMs: 150 });
    expect(offloader.stats().backends.gcf.stalls).toBe(2);
    await offloader.destroy();
    expect(await plain).toBeInstanceOf(AbortError);
    expect(await own).toBeInstanceOf(AbortError);
  });

  it('lambda() and cloudFunctions() carry `stallAfterMs` to their backend, and refuse one that is not a positive number of ms', () => {
    expect(cloudFunctions({ url: 'http://127.0.0.1:1/', auth: 'none', stallAfterMs: 500 }).stallAfterMs).toBe(500);
    expect(lambda({ functionName: 'tasks', region: 'eu-west-1', stallAfterMs: 500 }).stallAfterMs).toBe(500);
    expect(lambda({ functionName: 'tasks', region: 'eu-west-1' }).stallAfterMs).toBeUndefined();
    expect(() => cloudFunctions({ url: 'http://127.0.0.1:1/', auth: 'none', stallAfterMs: 0 })).toThrow(/stallAfterMs/);
    expect(() => lambda({ functionName: 'tasks', stallAfterMs: -1 })).toThrow(/stallAfterMs/);
  });
});
