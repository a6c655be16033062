// Remote backends through the public API, with a custom backend object (the
// door for other clouds): placement, identical errors, events and stats per
// backend, option validation, and destroy() cancelling remote attempts.
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, createTaskRegistry, hashTaskModule } from '../../src/contract/index.js';
import { AbortError, type Backend, BackendError, createOffloader, type Offloader, TaskError, type TaskEventInfo, ValidationError } from '../../src/index.js';
import * as fixtureTasks from '../fixtures/tasks.js';
import { echo, failQuota, QuotaError } from '../fixtures/tasks.js';
import { rejectionOf, tasksUrl } from '../support/helpers.js';

/** A backend that runs envelopes in this thread through the shared runtime, after a JSON round trip like a network would. */
function inProcessBackend(name = 'inproc'): Backend & { invoked: number } {
  const runtime = createRuntime(createTaskRegistry(fixtureTasks), { bundleHash: hashTaskModule(tasksUrl) });
  const backend = {
    name,
    kind: 'custom' as const,
    maxConcurrency: 8,
    invoked: 0,
    async invoke(envelope: unknown) {
      backend.invoked++;
      return JSON.parse(JSON.stringify(await runtime.execute(JSON.parse(JSON.stringify(envelope)))));
    },
    async close() {},
    async destroy() {},
  };
  return backend;
}

const live: Offloader[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((offloader) => offloader.destroy()));
});
function create(remotes: Backend[]): Offloader {
  const offloader = createOffloader({ tasks: tasksUrl, local: { maxWorkers: 1 }, remotes });
  live.push(offloader);
  return offloader;
}

describe('remote backends', () => {
  it('runs a task where placement says, and events and stats name that backend', async () => {
    const remote = inProcessBackend();
    const offloader = create([remote]);
    const events: TaskEventInfo[] = [];
    offloader.on('success', (info) => events.push(info));
    const value = { when: new Date(5), tags: new Set(['a']), big: 7n };
    await expect(offloader.run(echo, value, { placement: 'inproc' })).resolves.toEqual(value);
    await expect(offloader.run(echo, 1, { placement: 'remote' })).resolves.toBe(1);
    await expect(offloader.run(echo, 2)).resolves.toBe(2);
    expect(remote.invoked).toBe(2);
    expect(events.map((event) => event.backend)).toEqual(['inproc', 'inproc', 'local']);
    const { backends } = offloader.stats();
    expect(backends.inproc.succeeded).toBe(2);
    expect(backends.local.succeeded).toBe(1);
  });

  it('a task error reads the same from a remote as from the local pool, except `backend`', async () => {
    const offloader = create([inProcessBackend()]);
    const remoteError = (await rejectionOf(offloader.run(failQuota, 3, { placement: 'inproc' }))) as TaskError;
    const localError = (await rejectionOf(offloader.run(failQuota, 3, { placement: 'local' }))) as TaskError;
    for (const error of [remoteError, localError]) {
      expect(error).toBeInstanceOf(TaskError);
      expect(error).toMatchObject({ name: 'QuotaError', code: 'E_QUOTA', quota: 3, attempts: 1, taskName: 'failQuota' });
      expect((error.cause as Error).message).toBe('upstream said no');
    }
    expect(remoteError.backend).toBe('inproc');
    expect(localError.backend).toBe('local');
    expect(remoteError).not.toBeInstanceOf(QuotaError);
  });

  it('refuses an unknown placement, and "remote" without remotes, naming `placement`', async () => {
    const offloader = create([]);
    const unknown = (await rejectionOf(offloader.run(echo, 1, { placement: 'gpu-box' }))) as ValidationError;
    expect(unknown).toBeInstanceOf(ValidationError);
    expect(unknown.path).toBe('placement');
    expect(unknown.message).toContain('"gpu-box"');
    const none = (await rejectionOf(offloader.run(echo, 1, { placement: 'remote' }))) as ValidationError;
    expect(none.message).toContain('remotes');
  });

  it('refuses duplicate or reserved remote names and objects that are not backends', () => {
    expect(() => createOffloader({ tasks: tasksUrl, remotes: [inProcessBackend('local')] })).toThrow(/remotes\[0\]\.name/);
    expect(() => createOffloader({ tasks: tasksUrl, remotes: [inProcessBackend('a'), inProcessBackend('a')] })).toThrow(/remotes\[1\]\.name/);
    expect(() => createOffloader({ tasks: tasksUrl, remotes: [{ name: 'x' } as unknown as Backend] })).toThrow(ValidationError);
  });

  it('a backend that fails with a plain error gives a BackendError naming it', async () => {
    const broken: Backend = {
      ...inProcessBackend('broken'),
      invoke: async () => {
        throw new Error('socket hang up');
      },
    };
    // Without infrastructure retries (failover is covered in failover.test.ts).
    const offloader = createOffloader({ tasks: tasksUrl, local: { maxWorkers: 1 }, remotes: [broken], retry: { retries: 0 } });
    live.push(offloader);
    const error = (await rejectionOf(offloader.run(echo, 1, { placement: 'broken' }))) as BackendError;
    expect(error).toBeInstanceOf(BackendError);
    expect(error.message).toContain('broken');
    expect(error.backend).toBe('broken');
  });

  it('destroy() cancels a remote attempt in flight with AbortError', async () => {
    let sawAbort = false;
    const hanging: Backend = {
      ...inProcessBackend('hanging'),
      invoke: (_envelope, options) =>
        new Promise((_, reject) => {
          options?.signal?.addEventListener('abort', () => {
            sawAbort = true;
            reject(new AbortError('aborted by the offloader'));
          });
        }),
    };
    const offloader = createOffloader({ tasks: tasksUrl, local: { maxWorkers: 1 }, remotes: [hanging] });
    const pending = rejectionOf(offloader.run(echo, 1, { placement: 'hanging' }));
    await offloader.destroy();
    expect(await pending).toBeInstanceOf(AbortError);
    expect(sawAbort).toBe(true);
  });

  it('destroy() during a retry backoff settles the pending task with AbortError at once, without another attempt', async () => {
    let invoked = 0;
    const flaky: Backend = {
      ...inProcessBackend('flaky'),
      invoke: async () => {
        invoked++;
        throw new BackendError('connection reset', { code: 'ERR_BACKEND_NETWORK', retryable: true });
      },
    };
    // A backoff far longer than the test may take: only the abort can settle the task in time.
    const offloader = createOffloader({
      tasks: tasksUrl,
      local: { maxWorkers: 1 },
      remotes: [flaky],
      retry: { retries: 3, minDelayMs: 600_000, maxDelayMs: 600_000 },
    });
    const backingOff = new Promise((resolve) => offloader.once('retry', resolve));
    const pending = rejectionOf(offloader.run(echo, 1, { placement: 'flaky' }));
    await backingOff;
    await offloader.destroy();
    const error = await pending;
    expect(error).toBeInstanceOf(AbortError);
    expect(invoked).toBe(1);
  });
});
