// The smaller breaks of issue 13 (break 7): timeoutMs has a documented
// maximum everywhere, one map() with one signal adds no listener per input,
// and an empty Buffer comes back as a Buffer.
import { describe, expect, it } from 'vitest';
import { createLambdaHandler } from '../../adapters/aws-lambda/handler.js';
import { ENVELOPE_VERSION, MAX_TIMEOUT_MS, serialize, type TaskEnvelope } from '../../src/contract/index.js';
import { offloadable, ValidationError } from '../../src/index.js';
import { echo, sleep } from '../fixtures/tasks.js';
import { offloaders, rejectionOf } from '../support/helpers.js';

const create = offloaders();

describe('timeoutMs has a documented maximum', () => {
  it('is 2^31-1 ms, the longest timer Node keeps', () => {
    expect(MAX_TIMEOUT_MS).toBe(2 ** 31 - 1);
  });

  it('run() refuses Infinity, NaN, 0 and values over the maximum with a ValidationError naming timeoutMs', async () => {
    const offloader = create();
    for (const timeoutMs of [Number.POSITIVE_INFINITY, Number.NaN, 0, -5, 2 ** 31]) {
      const error = (await rejectionOf(offloader.run(echo, 1, { timeoutMs }))) as ValidationError;
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.path).toBe('timeoutMs');
      expect(error.message).toContain('timeoutMs');
    }
    await expect(offloader.run(echo, 1, { timeoutMs: MAX_TIMEOUT_MS })).resolves.toBe(1);
  });

  it('map() refuses it too, and offloadable() refuses it in a definition', async () => {
    const offloader = create();
    const error = (await rejectionOf(offloader.map(echo, [1, 2], { timeoutMs: Number.POSITIVE_INFINITY }))) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.path).toBe('timeoutMs');
    expect(() => offloadable({ name: 'forever', timeoutMs: Number.POSITIVE_INFINITY }, () => 1)).toThrow(ValidationError);
    expect(() => offloadable({ name: 'tooLong', timeoutMs: 2 ** 31 }, () => 1)).toThrow(/timeoutMs/);
  });

  it('a handler answers an envelope whose timeoutMs is over the maximum as a bad envelope', async () => {
    const handler = createLambdaHandler({ echo }, { bundleHash: 'h' });
    const envelope: TaskEnvelope = {
      version: ENVELOPE_VERSION,
      id: 't',
      task: 'echo',
      bundleHash: 'h',
      attempt: 1,
      input: serialize(1, 'input'),
      timeoutMs: 2 ** 31,
    };
    const result = await handler(envelope);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.kind).toBe('bad-envelope');
      expect(result.error.message).toContain('timeoutMs');
    }
  });
});

describe('one map() with one signal', () => {
  it('prints no MaxListenersExceededWarning for 100 inputs', async () => {
    const offloader = create();
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const inputs = Array.from({ length: 100 }, () => 1);
      await expect(offloader.map(sleep, inputs, { signal: controller.signal })).resolves.toEqual(inputs);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});

describe('Buffers', () => {
  it('an empty Buffer comes back as a Buffer, like a non-empty one', async () => {
    const offloader = create();
    const empty = (await offloader.run(echo, Buffer.alloc(0))) as Buffer;
    expect(Buffer.isBuffer(empty)).toBe(true);
    expect(empty.length).toBe(0);
    const full = (await offloader.run(echo, Buffer.from('abc'))) as Buffer;
    expect(Buffer.isBuffer(full)).toBe(true);
  });
});
