// Moving binary inputs and outputs to and from the local pool (`transfer`):
// what is detached, and what happens to an attempt that would send a moved input again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOffloader, type Offloader, SerializationError, ValidationError } from '../../src/index.js';
import { echo, failOnceBytes, keepBytes, moveBytes } from '../fixtures/tasks.js';
import { rejectionOf, tasksUrl } from '../support/helpers.js';

let offloader: Offloader;

beforeAll(() => {
  offloader = createOffloader({ tasks: tasksUrl, local: { maxWorkers: 2 } });
});

afterAll(async () => {
  await offloader.destroy();
});

describe('transfer', () => {
  it('a task defined with transfer: true moves its input; a call can opt out with transfer: false', async () => {
    const moved = new Uint8Array(4096).fill(5);
    await expect(offloader.run(moveBytes, { bytes: moved, size: 2048 })).resolves.toEqual({ first: 5, received: 4096, fresh: new Uint8Array(2048).fill(9) });
    expect(moved.byteLength).toBe(0);
    const kept = new Uint8Array(4096).fill(6);
    await expect(offloader.run(moveBytes, { bytes: kept, size: 1 }, { transfer: false })).resolves.toMatchObject({ first: 6, received: 4096 });
    expect(kept.byteLength).toBe(4096);
  });

  it('a subarray is copied, never detached, even with transfer: true; its whole buffer is moved only when the view spans it', async () => {
    const backing = new Uint8Array(1024).fill(1);
    const result = (await offloader.run(echo, backing.subarray(100, 200), { transfer: true })) as Uint8Array;
    expect(result.byteLength).toBe(100);
    expect(backing.byteLength).toBe(1024);
  });

  it('map with transfer: true moves every input', async () => {
    const inputs = [new Float64Array(64).fill(1.5), new Float64Array(64).fill(2.5)];
    const results = (await offloader.map(echo, inputs, { transfer: true })) as Float64Array[];
    expect(results.map((result) => result[63])).toEqual([1.5, 2.5]);
    expect(inputs.map((input) => input.byteLength)).toEqual([0, 0]);
  });

  it('a retry of a moved input fails with SerializationError; without transfer the retry succeeds', async () => {
    const error = (await rejectionOf(offloader.run(failOnceBytes, new Uint8Array(256), { transfer: true }))) as SerializationError;
    expect(error).toBeInstanceOf(SerializationError);
    expect(error.message).toMatch(/transferred to a local worker/);
    await expect(offloader.run(failOnceBytes, new Uint8Array(256))).resolves.toBe(256);
  });

  it('without transfer, large buffers stay whole on both sides (the input, and a buffer the task keeps and returns) and keep what they share', async () => {
    const single = createOffloader({ tasks: tasksUrl, local: { maxWorkers: 1 } });
    try {
      const large = new Uint8Array(256 * 1024).fill(3);
      const first = (await single.run(keepBytes, large)) as { bytes: Uint8Array; keptBefore: number };
      expect(large.byteLength).toBe(256 * 1024);
      expect(first.bytes).toEqual(large);
      expect(first.keptBefore).toBe(-1);
      // The buffer the task kept and returned is still whole in the worker.
      const second = (await single.run(keepBytes, new Uint8Array(128 * 1024))) as { keptBefore: number };
      expect(second.keptBefore).toBe(256 * 1024);
      const shared = new Uint8Array(128 * 1024).fill(4);
      const both = (await single.run(echo, { bytes: shared, words: new Uint16Array(shared.buffer), again: shared })) as Record<string, ArrayBufferView>;
      expect(shared.byteLength).toBe(128 * 1024);
      expect(both.words.buffer).toBe(both.bytes.buffer);
      expect(both.again).toBe(both.bytes);
      expect((both.words as Uint16Array)[0]).toBe(0x0404);
    } finally {
      await single.destroy();
    }
  });

  it('a transfer option that is not a boolean is a ValidationError', async () => {
    const error = await rejectionOf(offloader.run(echo, new Uint8Array(1), { transfer: 'yes' as unknown as boolean }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).path).toBe('transfer');
  });
});
