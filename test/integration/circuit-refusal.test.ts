// A breaker that turns an attempt away proves the attempt never started: the
// task fails over at once (another remote, else the local pool) and spends no
// retry, so an idempotent task never ends with ERR_CIRCUIT_OPEN. Custom
// remotes whose outcomes the test scripts; no wall-clock thresholds.
import { afterEach, describe, expect, it } from 'vitest';
import { type Backend, BackendError, createOffloader, type Offloader, type OffloaderOptions, type TaskRetryInfo } from '../../src/index.js';
import { echo } from '../fixtures/tasks.js';
import { tasksUrl } from '../support/helpers.js';

/** A remote that answers its input (`ok`), fails with a retryable 503, or holds each call until `release()` and then answers by its mode. */
function scriptedRemote(name: string): Backend & { mode: 'ok' | '503'; hold: boolean; calls: number; release: () => void } {
  const held: (() => void)[] = [];
  const remote = {
    name,
    kind: 'custom' as const,
    maxConcurrency: 16,
    mode: 'ok' as 'ok' | '503',
    hold: false,
    calls: 0,
    release() {
      for (const resume of held.splice(0)) resume();
    },
    async invoke(envelope: { id: string; input: string }) {
      remote.calls++;
      if (remote.hold) await new Promise<void>((resolve) => held.push(resolve));
      if (remote.mode === '503') throw new BackendError('HTTP 503 from the function', { code: 'ERR_BACKEND_HTTP_503', retryable: true });
      return { version: 1, id: envelope.id, ok: true, output: envelope.input, durationMs: 1 };
    },
    close: async () => {},
    destroy: async () => {},
  };
  return remote as unknown as Backend & typeof remote;
}

const live: Offloader[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((offloader) => offloader.destroy()));
});
function create(remotes: Backend[], options: Partial<OffloaderOptions>): Offloader {
  const offloader = createOffloader({
    tasks: tasksUrl,
    local: { maxWorkers: 1 },
    remotes,
    breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 },
    ...options,
  });
  live.push(offloader);
  return offloader;
}

describe('an attempt turned away by an open breaker', () => {
  it('fails over to the local pool without spending a retry, even with no retries left', async () => {
    const remote = scriptedRemote('cloud');
    const offloader = create([remote], { retry: { retries: 0, minDelayMs: 1, maxDelayMs: 2 } });
    remote.mode = '503';
    for (let index = 0; index < 2; index++)
      await expect(offloader.run(echo, index, { placement: 'cloud' })).rejects.toMatchObject({ code: 'ERR_BACKEND_HTTP_503' });
    const calls = remote.calls;
    const retries: TaskRetryInfo[] = [];
    offloader.on('retry', (info) => retries.push(info));
    await expect(offloader.run(echo, 'x', { placement: 'cloud' })).resolves.toBe('x');
    expect(remote.calls).toBe(calls);
    expect(retries.map((retry) => [retry.backend, retry.error.code, retry.nextBackend])).toEqual([['cloud', 'ERR_CIRCUIT_OPEN', 'local']]);
  });

  it('whose breaker opened during the backoff after a failover goes on to a healthy backend, and every task settles once', async () => {
    const a = scriptedRemote('a');
    const b = scriptedRemote('b');
    const offloader = create([a, b], { retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2 } });
    // Two attempts wait on b, to fail together and open its breaker at the chosen moment.
    b.hold = true;
    const onB = Promise.allSettled([0, 1].map((index) => offloader.run(echo, `b${index}`, { placement: 'b' })));
    const opened: string[] = [];
    offloader.on('breakerOpen', (info) => opened.push(info.backend));
    const retries: TaskRetryInfo[] = [];
    offloader.on('retry', (info) => {
      retries.push(info);
      if (info.backend !== 'a' || info.nextBackend !== 'b' || retries.length > 1) return;
      // The router chose b while its breaker was closed; b's two failures open it before the backoff ends.
      a.mode = 'ok';
      b.mode = '503';
      b.hold = false;
      b.release();
    });
    a.mode = '503';
    await expect(offloader.run(echo, 'x', { placement: 'a' })).resolves.toBe('x');
    const ofX = retries.filter((retry) => retry.taskId === retries[0].taskId);
    expect(ofX.map((retry) => [retry.backend, retry.error.code, retry.nextBackend])).toEqual([
      ['a', 'ERR_BACKEND_HTTP_503', 'b'],
      // a has failed this task already: the pool takes it.
      ['b', 'ERR_CIRCUIT_OPEN', 'local'],
    ]);
    expect(opened).toEqual(['b']);
    // b's own tasks failed over to a (healthy now): each settled once, with its own input.
    expect((await onB).map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : outcome.reason))).toEqual(['b0', 'b1']);
  });
});
