// The contract suite: the same cases against every backend (the local pool
// and each remote found in ./backends), through the public API. A task must
// behave the same wherever it runs: same results, same errors, same event
// payloads except `backend`.
import { appendFileSync, copyFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOffloader,
  type Offloader,
  offloadable,
  PayloadTooLargeError,
  SerializationError,
  StaleBundleError,
  TaskError,
  type TaskLogInfo,
  TimeoutError,
  ValidationError,
} from '../../src/index.js';
import { chatty, echo, failQuota, greet, returnsFunction, sleep } from '../fixtures/remote-tasks.mjs';
import { rejectionOf } from '../support/helpers.js';
import type { BackendFactory, StartedBackend } from './backend-factory.js';

const tasksUrl = new URL('../fixtures/remote-tasks.mjs', import.meta.url);
const isFactory = (value: unknown): value is BackendFactory =>
  typeof value === 'object' && value !== null && typeof (value as BackendFactory).name === 'string' && typeof (value as BackendFactory).start === 'function';
const factories = Object.values(import.meta.glob<Record<string, unknown>>('./backends/*.ts', { eager: true }))
  .flatMap((module) => Object.values(module))
  .filter(isFactory);

/** Event payloads per backend with timings blanked, compared across backends at the end. */
const eventsByBackend = new Map<string, { backend: string; events: unknown[] }>();

const notExported = offloadable('notExported', (value: number) => value);

for (const factory of factories) {
  describe(`contract: ${factory.name}`, () => {
    let started: StartedBackend;
    let offloader: Offloader;
    // The backend's name in results, errors and events, and its placement.
    const backendName = factory.backend ?? factory.name;
    const placement = backendName;
    const events: unknown[] = [];

    beforeAll(async () => {
      started = await factory.start(tasksUrl);
      offloader = createOffloader({
        tasks: tasksUrl,
        local: { maxWorkers: 1, ...factory.local },
        remotes: started.backend === undefined ? [] : [started.backend],
        logs: { capture: true },
      });
      const record = (kind: string) => (info: object) =>
        events.push({ kind, ...info, queuedMs: 0, runMs: 0, ...('error' in info ? { error: (info.error as Error).name } : {}) });
      offloader.on('success', record('success'));
      offloader.on('failure', record('failure'));
    }, 120_000);

    afterAll(async () => {
      await offloader?.destroy();
      await started?.stop();
      eventsByBackend.set(factory.name, { backend: backendName, events });
    });

    it('round-trips every value type', async () => {
      const value = {
        when: new Date(Date.UTC(2026, 10, 28)),
        big: 2n ** 70n,
        map: new Map<unknown, unknown>([
          ['a', 1],
          [2, { b: [3] }],
        ]),
        set: new Set(['x', 'y']),
        missing: undefined,
        nan: Number.NaN,
        inf: Number.NEGATIVE_INFINITY,
        floats: new Float64Array([1.5, -2]),
        bytes: Buffer.from('spillway'),
        nested: [{ deep: [null, true, 'text'] }],
      };
      const result = (await offloader.run(echo, value, { placement })) as typeof value;
      expect(result).toEqual(value);
      expect(Buffer.isBuffer(result.bytes)).toBe(true);
      expect(result.floats).toBeInstanceOf(Float64Array);
    });

    it('round-trips binary values at any depth: views with offsets, Buffer (empty too), DataView, ArrayBuffer, mixed with Map/Set/BigInt', async () => {
      const backing = new Uint8Array(64).map((_, index) => index);
      const value = {
        slice: backing.subarray(8, 24),
        floats: new Float64Array([1.5, -0, Number.NaN, Number.POSITIVE_INFINITY]),
        offsetFloats: new Float32Array(backing.slice().buffer, 16, 4),
        words: new BigInt64Array([2n ** 62n, -1n]),
        buffer: Buffer.from('spillway binary'),
        empty: Buffer.alloc(0),
        view: new DataView(backing.slice().buffer, 4, 12),
        raw: backing.slice(0, 5).buffer,
        numbers: Array.from({ length: 1_000 }, (_, index) => (index % 7 === 0 ? -0 : index / 3)),
        mixed: new Map<unknown, unknown>([
          [10n, new Set([new Uint16Array([1, 65535]), Buffer.from([0xff])])],
          ['deep', [{ bytes: new Int8Array([-1, 2]) }]],
        ]),
      };
      const result = (await offloader.run(echo, value, { placement })) as typeof value;
      expect(result).toEqual(value);
      expect([...result.slice]).toEqual([...backing.subarray(8, 24)]);
      expect(Buffer.isBuffer(result.buffer) && Buffer.isBuffer(result.empty)).toBe(true);
      expect(result.empty.length).toBe(0);
      expect(result.view).toBeInstanceOf(DataView);
      expect([...new Uint8Array(result.view.buffer, result.view.byteOffset, result.view.byteLength)]).toEqual([...backing.subarray(4, 16)]);
      expect(result.raw).toBeInstanceOf(ArrayBuffer);
      expect(Object.is(result.numbers[0], -0)).toBe(true);
      const [key, set] = [...result.mixed][0] as [bigint, Set<unknown>];
      expect(key).toBe(10n);
      expect([...set].map((entry) => entry?.constructor.name)).toEqual(['Uint16Array', 'Buffer']);
      // Nothing was moved: the caller's buffers are intact.
      expect(backing.byteLength).toBe(64);
    });

    it('transfer: true detaches the input buffers only on the local pool; without it nothing is detached', async () => {
      const kept = new Uint8Array(1024).fill(3);
      await expect(offloader.run(echo, kept, { placement })).resolves.toEqual(kept);
      expect(kept.byteLength).toBe(1024);
      const moved = new Uint8Array(1024).fill(4);
      const result = (await offloader.run(echo, { moved }, { placement, transfer: true })) as { moved: Uint8Array };
      expect(result.moved).toEqual(new Uint8Array(1024).fill(4));
      expect(moved.byteLength).toBe(backendName === 'local' ? 0 : 1024);
    });

    it('a function inside a binary-carrying value is refused before dispatch with the same SerializationError', async () => {
      const error = (await rejectionOf(offloader.run(echo, { bytes: new Uint8Array(8), nested: [{ call: () => 1 }] }, { placement }))) as SerializationError;
      expect(error).toBeInstanceOf(SerializationError);
      expect(error.path).toBe('input.nested[0].call');
    });

    it('a task error arrives as TaskError with the original name, code, cause and custom field', async () => {
      const error = (await rejectionOf(offloader.run(failQuota, 7, { placement }))) as TaskError;
      expect(error).toBeInstanceOf(TaskError);
      expect(error).toMatchObject({
        name: 'QuotaError',
        code: 'E_QUOTA',
        quota: 7,
        message: 'quota of 7 exceeded',
        backend: backendName,
        attempts: 1,
        taskName: 'failQuota',
      });
      expect((error.cause as Error).message).toBe('upstream said no');
      expect(error.stack).toContain('QuotaError');
    });

    it('an input that violates the schema is a ValidationError naming the path; the task does not run', async () => {
      const error = (await rejectionOf(offloader.run(greet, { name: '', times: 1 }, { placement }))) as ValidationError;
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ code: 'ERR_INVALID_INPUT', path: 'input.name', backend: backendName });
      await expect(offloader.run(greet, { name: 'ann', times: 2 }, { placement })).resolves.toBe('hello annhello ann');
    });

    it('an output that cannot be serialized is a SerializationError naming the path', async () => {
      const error = (await rejectionOf(offloader.run(returnsFunction, null, { placement }))) as SerializationError;
      expect(error).toBeInstanceOf(SerializationError);
      expect(error.path).toBe('output.callback');
    });

    it('a task over its timeout fails with TimeoutError', async () => {
      const error = (await rejectionOf(offloader.run(sleep, 5_000, { placement, timeoutMs: 200 }))) as TimeoutError;
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ code: 'ERR_TIMEOUT', timeoutMs: 200, backend: backendName });
      await expect(offloader.run(sleep, 1, { placement })).resolves.toBe(1);
    });

    it('a task the module does not export is a ValidationError with ERR_UNKNOWN_TASK', async () => {
      const error = (await rejectionOf(offloader.run(notExported, 1, { placement }))) as ValidationError;
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.code).toBe('ERR_UNKNOWN_TASK');
      expect(error.message).toContain('"echo"');
    });

    it('a payload over the backend limit is refused before sending', async ({ skip }) => {
      const limit = started.backend?.maxPayloadBytes;
      if (limit === undefined) skip('the local pool has no payload limit');
      const error = (await rejectionOf(offloader.run(echo, 'x'.repeat((limit ?? 0) + 1), { placement }))) as PayloadTooLargeError;
      expect(error).toBeInstanceOf(PayloadTooLargeError);
      expect(error.limitBytes).toBe(limit);
      expect(error.sizeBytes).toBeGreaterThan(limit ?? 0);
    });

    /** The `log` events emitted while `work` runs. */
    async function logsDuring<T>(work: () => Promise<T>): Promise<{ result: T; logs: TaskLogInfo[] }> {
      const logs: TaskLogInfo[] = [];
      const listener = (info: TaskLogInfo) => logs.push(info);
      offloader.on('log', listener);
      try {
        return { result: await work(), logs };
      } finally {
        offloader.off('log', listener);
      }
    }
    const printed = (taskId: string, lines: number) => [...Array.from({ length: lines }, (_, index) => `${taskId} line ${index}`), `${taskId} raw write`];

    it('what a task prints arrives as one `log` event with its task id, stream and time; a failure carries the last lines', async () => {
      const { result: taskId, logs } = await logsDuring(() => offloader.run(chatty, { lines: 4 }, { placement }));
      expect(logs).toHaveLength(1);
      expect(logs[0]).toMatchObject({ taskName: 'chatty', taskId, backend: backendName, attempt: 1, truncated: false });
      expect(logs[0].lines.map((line) => line.text)).toEqual(printed(taskId, 4));
      expect(logs[0].lines.map((line) => line.stream)).toEqual(['stdout', 'stderr', 'stdout', 'stderr', 'stdout']);
      expect(logs[0].lines.every((line) => Number.isFinite(line.at))).toBe(true);
      const error = (await rejectionOf(offloader.run(chatty, { lines: 1, fail: true }, { placement }))) as TaskError;
      expect(error).toBeInstanceOf(TaskError);
      expect(error.logs?.lines.map((line) => line.text)).toEqual(printed(error.taskId ?? '?', 1));
    });

    it("tasks printing at the same time never get each other's lines", async () => {
      const { result: taskIds, logs } = await logsDuring(() =>
        Promise.all(Array.from({ length: 6 }, () => offloader.run(chatty, { lines: 6 }, { placement }))),
      );
      expect(logs).toHaveLength(6);
      for (const taskId of taskIds) expect(logs.find((info) => info.taskId === taskId)?.lines.map((line) => line.text)).toEqual(printed(taskId, 6));
    });

    it('keeps the last 64 KB of what a task prints and marks the rest as truncated', async () => {
      const { result: taskId, logs } = await logsDuring(() => offloader.run(chatty, { lines: 0, floodLines: 100 }, { placement }));
      expect(logs).toHaveLength(1);
      const { lines, truncated } = logs[0];
      expect(truncated).toBe(true);
      expect(lines.reduce((sum, line) => sum + Buffer.byteLength(line.text) + 1, 0)).toBeLessThanOrEqual(65_536);
      // The last lines without a gap: the flood's last 65 (its first 35 and the earlier `raw write` line were dropped).
      expect(lines.map((line) => line.text.slice(0, 6))).toEqual(Array.from({ length: 65 }, (_, index) => String(35 + index).padStart(6, '0')));
      expect(taskId).toBe(logs[0].taskId);
    });

    it('a backend running another build of the task module answers StaleBundleError', async () => {
      // The caller hashes a copy of the module; the local worker then loads an
      // edited copy, and a remote serves the original: either way, builds differ.
      const copyUrl = new URL(`../fixtures/remote-tasks.stale-${factory.name}.mjs`, import.meta.url);
      copyFileSync(tasksUrl, copyUrl);
      appendFileSync(copyUrl, '\n// stale copy\n');
      const stale = createOffloader({
        tasks: copyUrl,
        local: { maxWorkers: 1, ...factory.local },
        remotes: started.backend === undefined ? [] : [started.backend],
      });
      try {
        appendFileSync(copyUrl, '// edited after the caller started\n');
        const error = (await rejectionOf(stale.run(echo, 1, { placement }))) as StaleBundleError;
        expect(error).toBeInstanceOf(StaleBundleError);
        expect(error.expectedHash).not.toBe(error.actualHash);
      } finally {
        await stale.destroy();
        rmSync(copyUrl, { force: true });
      }
    });
  });
}

describe('contract: across backends', () => {
  it('success and failure event payloads are identical except `backend`', () => {
    // The payload-limit case is the one that differs by design: the local pool has no limit.
    const normalized = [...eventsByBackend.values()].map(({ backend, events }) =>
      JSON.stringify(
        events
          .filter((event) => (event as { error?: string }).error !== 'PayloadTooLargeError')
          .map((event) => ({ ...(event as object), backend: (event as { backend: string }).backend === backend ? '<backend>' : 'WRONG', taskId: '<id>' })),
      ),
    );
    expect(normalized.length).toBe(factories.length);
    expect(normalized[0]).toContain('QuotaError');
    for (const payloads of normalized) expect(payloads).toBe(normalized[0]);
  });
});
