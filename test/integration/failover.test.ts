// Breakers, retries and failover through the public API, with custom
// remotes whose faults are scripted: infrastructure faults are retried on the
// next healthy backend (the local pool last) for idempotent tasks, never for
// task errors; a remote's breaker opens on faults and closes after a probe.
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, createTaskRegistry, hashTaskModule } from '../../src/contract/index.js';
import {
  type Backend,
  BackendError,
  type BreakerInfo,
  CapacityError,
  CircuitOpenError,
  createOffloader,
  type Offloader,
  type OffloaderOptions,
  TaskError,
  type TaskRetryInfo,
} from '../../src/index.js';
import * as fixtureTasks from '../fixtures/tasks.js';
import { echo, exitWorker, failQuota, notIdempotent, sleep } from '../fixtures/tasks.js';
import { rejectionOf, tasksUrl } from '../support/helpers.js';

type Fault = 'ok' | '503' | 'refused' | 'throttled' | 'hold';

/**
 * A remote whose next outcome the test sets; it runs real envelopes through
 * the shared runtime when `ok`, and when `hold` waits until `release()`.
 */
function scriptedRemote(
  name = 'cloud',
  costUsd?: number,
): Backend & { mode: Fault; calls: number; release: () => void; estimateCostUsd?: (durationMs: number) => number } {
  const runtime = createRuntime(createTaskRegistry(fixtureTasks), { bundleHash: hashTaskModule(tasksUrl) });
  let held: (() => void)[] = [];
  const remote = {
    name,
    kind: 'custom' as const,
    maxConcurrency: 16,
    mode: 'ok' as Fault,
    calls: 0,
    ...(costUsd === undefined ? {} : { estimateCostUsd: () => costUsd }),
    release() {
      for (const resume of held.splice(0)) resume();
    },
    async invoke(envelope: unknown) {
      remote.calls++;
      if (remote.mode === 'hold') await new Promise<void>((resolve) => held.push(resolve));
      if (remote.mode === '503') throw new BackendError('HTTP 503 from the function', { code: 'ERR_BACKEND_HTTP_503', retryable: true });
      if (remote.mode === 'refused') throw new BackendError('connection refused', { code: 'ERR_BACKEND_UNREACHABLE', retryable: true });
      if (remote.mode === 'throttled') throw new CapacityError('429 Too Many Requests', { code: 'ERR_BACKEND_THROTTLED' });
      return JSON.parse(JSON.stringify(await runtime.execute(JSON.parse(JSON.stringify(envelope)))));
    },
    close: async () => {},
    destroy: async () => {},
  };
  held = [];
  return remote;
}

const live: Offloader[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((offloader) => offloader.destroy()));
});
function create(remote: Backend, options: Partial<OffloaderOptions> = {}): Offloader {
  const offloader = createOffloader({ tasks: tasksUrl, local: { maxWorkers: 1 }, remotes: [remote], retry: { minDelayMs: 1, maxDelayMs: 5 }, ...options });
  live.push(offloader);
  return offloader;
}

describe('retries and failover', () => {
  it('an idempotent task whose remote fails with a 5xx moves to the local pool, keeping its id and counting attempts', async () => {
    const remote = scriptedRemote();
    remote.mode = '503';
    const offloader = create(remote);
    const retries: TaskRetryInfo[] = [];
    offloader.on('retry', (info) => retries.push(info));
    const successes: { backend: string; attempts: number; taskId: string }[] = [];
    offloader.on('success', (info) => successes.push(info));
    await expect(offloader.run(echo, { a: 1 }, { placement: 'cloud' })).resolves.toEqual({ a: 1 });
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ backend: 'cloud', nextBackend: 'local', attempts: 1 });
    expect(retries[0].reason).toContain('ERR_BACKEND_HTTP_503');
    expect(successes[0]).toMatchObject({ backend: 'local', attempts: 2, taskId: retries[0].taskId });
  });

  it('each retry goes to a remote the task has not failed on yet, then to the local pool, so remotes that keep failing never take the last try', async () => {
    const remotes = [scriptedRemote('a'), scriptedRemote('b'), scriptedRemote('c')];
    for (const remote of remotes) remote.mode = '503';
    // Breakers that never open: the remotes stay eligible, so only the rule of untried remotes sends the task home.
    const offloader = create(remotes[0], { remotes, retry: { retries: 6, minDelayMs: 1, maxDelayMs: 2 }, breaker: { volumeThreshold: 1_000 } });
    const retries: TaskRetryInfo[] = [];
    offloader.on('retry', (info) => retries.push(info));
    await expect(offloader.run(echo, 'x', { placement: 'b' })).resolves.toBe('x');
    expect(retries.map((retry) => [retry.backend, retry.nextBackend])).toEqual([
      ['b', 'a'],
      ['a', 'c'],
      ['c', 'local'],
    ]);
    expect(remotes.map((remote) => remote.calls)).toEqual([1, 1, 1]);
  });

  it('a non-idempotent task is retried only when the fault proves it never started', async () => {
    const remote = scriptedRemote();
    const offloader = create(remote);
    remote.mode = '503';
    const error = (await rejectionOf(offloader.run(notIdempotent, 1, { placement: 'cloud' }))) as BackendError;
    expect(error).toBeInstanceOf(BackendError);
    expect(error.attempts).toBe(1);
    remote.mode = 'refused';
    await expect(offloader.run(notIdempotent, 1, { placement: 'cloud' })).resolves.toBe(2);
    remote.mode = 'throttled';
    await expect(offloader.run(notIdempotent, 2, { placement: 'cloud' })).resolves.toBe(3);
  });

  it("never retries a task's own error as an infrastructure fault", async () => {
    const remote = scriptedRemote();
    const offloader = create(remote);
    const retries: TaskRetryInfo[] = [];
    offloader.on('retry', (info) => retries.push(info));
    const error = (await rejectionOf(offloader.run(failQuota, 2, { placement: 'cloud' }))) as TaskError;
    expect(error).toBeInstanceOf(TaskError);
    expect(error.backend).toBe('cloud');
    expect(retries).toHaveLength(0);
    expect(remote.calls).toBe(1);
  });
});

describe("failover eligibility (the scheduler's own rule)", () => {
  it('never sends a retry to a remote whose estimate is over cost.maxUsdPerTask: it falls back to the local pool', async () => {
    const failing = scriptedRemote('cheap', 0.001);
    const pricey = scriptedRemote('pricey', 0.05);
    failing.mode = '503';
    const offloader = create(failing, { remotes: [failing, pricey], cost: { maxUsdPerTask: 0.01 } });
    const retries: TaskRetryInfo[] = [];
    offloader.on('retry', (info) => retries.push(info));
    await expect(offloader.run(echo, 'x', { placement: 'cheap' })).resolves.toBe('x');
    expect(retries.map((retry) => retry.nextBackend)).toEqual(['local']);
    expect(pricey.calls).toBe(0);
  });

  it('lets a half-open remote take one probe at a time, from first placements and failovers together', async () => {
    const primary = scriptedRemote('primary');
    const probed = scriptedRemote('probed');
    const offloader = create(primary, {
      remotes: [primary, probed],
      local: { maxWorkers: 1 },
      // Saturated as soon as one attempt waits locally; `auto` only considers `probed`.
      burst: { maxQueueDepth: 0 },
      cost: { prefer: ['probed'] },
      breaker: { volumeThreshold: 1, errorThresholdPercentage: 1, resetTimeoutMs: 100 },
      retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2 },
    });
    const halfOpen = new Promise<void>((resolve) =>
      offloader.on('breakerHalfOpen', ({ backend }) => {
        if (backend === 'probed') resolve();
      }),
    );
    const retries: TaskRetryInfo[] = [];
    offloader.on('retry', (info) => retries.push(info));
    // Open `probed`'s breaker (the failed task moves on to `primary`), then wait for half-open.
    probed.mode = '503';
    await expect(offloader.run(echo, 'open', { placement: 'probed' })).resolves.toBe('open');
    await halfOpen;
    // Saturate the pool: one task runs, one waits.
    const busy = [offloader.run(sleep, 400, { placement: 'local' }), offloader.run(sleep, 1, { placement: 'local' })];
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(offloader.stats().local.queued).toBeGreaterThan(0);

    // A first placement sends the probe...
    probed.mode = 'hold';
    const probe = offloader.run(echo, 'probe');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(probed.calls).toBe(2);
    // ...so a failover from `primary` must not send a second one.
    primary.mode = '503';
    retries.length = 0;
    await expect(offloader.run(echo, 'failover', { placement: 'primary' })).resolves.toBe('failover');
    expect(retries.map((retry) => retry.nextBackend)).toEqual(['local']);
    expect(probed.calls).toBe(2);
    // Nor may another first placement: it queues locally.
    const queued = offloader.run(echo, 'queued');
    probed.mode = 'ok';
    probed.release();
    await expect(probe).resolves.toBe('probe');
    await expect(queued).resolves.toBe('queued');
    expect(probed.calls).toBe(2);
    await Promise.all(busy);
  });

  it('a failover probe on a half-open remote blocks first placements there until it settles', async () => {
    const primary = scriptedRemote('primary');
    const probed = scriptedRemote('probed');
    const offloader = create(primary, {
      remotes: [primary, probed],
      local: { maxWorkers: 1 },
      burst: { maxQueueDepth: 0 },
      cost: { prefer: ['probed'] },
      breaker: { volumeThreshold: 1, errorThresholdPercentage: 1, resetTimeoutMs: 100 },
      retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2 },
    });
    const halfOpen = new Promise<void>((resolve) =>
      offloader.on('breakerHalfOpen', ({ backend }) => {
        if (backend === 'probed') resolve();
      }),
    );
    probed.mode = '503';
    await expect(offloader.run(echo, 'open', { placement: 'probed' })).resolves.toBe('open');
    await halfOpen;
    const busy = [offloader.run(sleep, 400, { placement: 'local' }), offloader.run(sleep, 1, { placement: 'local' })];
    await new Promise((resolve) => setTimeout(resolve, 50));
    // `primary` fails; its retry is the probe of `probed`.
    primary.mode = '503';
    probed.mode = 'hold';
    const failover = offloader.run(echo, 'failover', { placement: 'primary' });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(probed.calls).toBe(2);
    const dispatched: string[] = [];
    offloader.on('dispatch', (info) => dispatched.push(info.backend));
    const queued = offloader.run(echo, 'queued');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(probed.calls).toBe(2);
    probed.mode = 'ok';
    probed.release();
    await expect(failover).resolves.toBe('failover');
    await expect(queued).resolves.toBe('queued');
    expect(dispatched).not.toContain('probed');
    await Promise.all(busy);
  });
});

describe('circuit breakers', () => {
  it('open on infrastructure faults, turn attempts away with CircuitOpenError (failed over), and close after a good probe', async () => {
    const remote = scriptedRemote();
    const offloader = create(remote, {
      breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 150 },
      retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2 },
    });
    const transitions: (BreakerInfo & { event: string })[] = [];
    for (const event of ['breakerOpen', 'breakerHalfOpen', 'breakerClose'] as const) offloader.on(event, (info) => transitions.push({ event, ...info }));
    remote.mode = '503';
    for (let index = 0; index < 3; index++) await offloader.run(echo, index, { placement: 'cloud' });
    expect(transitions[0]).toMatchObject({ event: 'breakerOpen', backend: 'cloud' });
    expect(transitions[0].reason).toContain('503');
    const callsWhileOpen = remote.calls;
    const retries: TaskRetryInfo[] = [];
    offloader.on('retry', (info) => retries.push(info));
    await expect(offloader.run(echo, 'x', { placement: 'cloud' })).resolves.toBe('x');
    expect(remote.calls).toBe(callsWhileOpen);
    expect(retries[0].error).toBeInstanceOf(CircuitOpenError);
    expect(retries[0].nextBackend).toBe('local');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(transitions.map((transition) => transition.event)).toContain('breakerHalfOpen');
    remote.mode = 'ok';
    await expect(offloader.run(echo, 'probe', { placement: 'cloud' })).resolves.toBe('probe');
    expect(transitions.at(-1)).toMatchObject({ event: 'breakerClose', backend: 'cloud' });
  });

  it('task errors never count as backend failures', async () => {
    const remote = scriptedRemote();
    const offloader = create(remote, { breaker: { volumeThreshold: 2, errorThresholdPercentage: 10, resetTimeoutMs: 10_000 } });
    const opened: BreakerInfo[] = [];
    offloader.on('breakerOpen', (info) => opened.push(info));
    for (let index = 0; index < 6; index++) await rejectionOf(offloader.run(failQuota, index, { placement: 'cloud' }));
    expect(opened).toHaveLength(0);
    await expect(offloader.run(echo, 1, { placement: 'cloud' })).resolves.toBe(1);
    expect(remote.calls).toBe(7);
  });
});

describe('the local breaker', () => {
  it('opens on a crash storm so that auto tasks overflow, and closes after a good chunk', async () => {
    const remote = scriptedRemote();
    const offloader = createOffloader({
      tasks: tasksUrl,
      local: { maxWorkers: 1 },
      remotes: [remote],
      burst: { maxQueueDepth: 1_000 },
      // Long enough that the storm (a worker respawn per crash) ends before the first probe.
      breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 2_500 },
    });
    live.push(offloader);
    const transitions: string[] = [];
    for (const event of ['breakerOpen', 'breakerHalfOpen', 'breakerClose'] as const) {
      offloader.on(event, ({ backend }) => {
        if (backend === 'local') transitions.push(event);
      });
    }
    await expect(offloader.run(echo, 'before')).resolves.toBe('before');
    expect(remote.calls).toBe(0);
    // One good chunk, then two crashes: 2 failures of 3 crosses 50% at the volume threshold.
    for (let index = 0; index < 2; index++) await rejectionOf(offloader.run(exitWorker, null as never, { placement: 'local' }));
    expect(transitions).toEqual(['breakerOpen']);
    await expect(offloader.run(echo, 'during')).resolves.toBe('during');
    expect(remote.calls).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 2_600));
    expect(transitions).toEqual(['breakerOpen', 'breakerHalfOpen']);
    await expect(offloader.run(echo, 'probe', { placement: 'local' })).resolves.toBe('probe');
    expect(transitions).toEqual(['breakerOpen', 'breakerHalfOpen', 'breakerClose']);
    await expect(offloader.run(echo, 'after')).resolves.toBe('after');
    expect(remote.calls).toBe(1);
  });
});
