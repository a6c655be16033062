import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import type * as z from 'zod';
import {
  type BreakerOptions,
  type BurstPolicy,
  type CostPolicy,
  createOffloader,
  type LocalOptions,
  type LogOptions,
  type Offloader,
  type OffloaderOptions,
  type RetryOptions,
  ValidationError,
} from '../../src/index.js';
import type { LocalOptionsSchema } from '../../src/local-options.js';
import {
  type BreakerOptionsSchema,
  type BurstPolicySchema,
  type CostPolicySchema,
  type LogOptionsSchema,
  type OffloaderOptionsSchema,
  type RetryOptionsSchema,
  resolveOptions,
} from '../../src/options.js';

const tasks = new URL('../fixtures/tasks.ts', import.meta.url);
const created: Offloader[] = [];

afterEach(async () => {
  await Promise.all(created.splice(0).map((offloader) => offloader.destroy()));
});

function invalid(options: unknown): ValidationError {
  let offloader: Offloader | undefined;
  try {
    offloader = createOffloader(options as OffloaderOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  created.push(offloader);
  throw new Error(`createOffloader accepted invalid options ${JSON.stringify(options)}`);
}

describe('createOffloader option validation', () => {
  it('names field, value and expectation for local.maxWorkers: 0', () => {
    const error = invalid({ tasks, local: { maxWorkers: 0 } });
    expect(error.message).toContain('local.maxWorkers');
    expect(error.message).toContain('0');
    expect(error.message).toContain('>= 1');
    expect(error.path).toBe('local.maxWorkers');
    expect(error.code).toBe('ERR_VALIDATION');
  });

  it('names an unknown key once, below the object that holds it', () => {
    expect(invalid({ tasks, local: { maxWorker: 2 } }).message).toBe(
      'Invalid offloader options: Unknown key `local.maxWorker`: remove it or check the spelling',
    );
    expect(invalid({ tasks, bogus: 1 }).message).toBe('Invalid offloader options: Unknown key `bogus`: remove it or check the spelling');
  });

  it('refuses a fractional local.maxWorkers', () => {
    const error = invalid({ tasks, local: { maxWorkers: 1.5 } });
    expect(error.message).toContain('local.maxWorkers');
    expect(error.message).toContain('1.5');
    expect(error.message).toMatch(/integer/);
  });

  it('refuses a wrongly typed local.maxQueue', () => {
    const error = invalid({ tasks, local: { maxQueue: '10' } });
    expect(error.message).toContain('local.maxQueue');
    expect(error.message).toContain('number');
  });

  it('names an unknown key such as local.maxWorker', () => {
    const error = invalid({ tasks, local: { maxWorker: 2 } });
    expect(error.message).toContain('local.maxWorker');
    expect(error.message).not.toContain('local.maxWorkers');
    expect(error.message).toContain('Unknown key `local.maxWorker`:');
  });

  it('names an unknown top-level key', () => {
    expect(invalid({ tasks, lambda: {} }).message).toContain('Unknown key `lambda`:');
  });

  it('refuses minWorkers > maxWorkers', () => {
    const error = invalid({ tasks, local: { maxWorkers: 1, minWorkers: 2 } });
    expect(error.message).toContain('local.minWorkers');
    expect(error.message).toContain('local.maxWorkers');
    expect(error.message).toContain('2');
    expect(error.path).toBe('local.minWorkers');
  });

  it('refuses missing tasks', () => {
    const error = invalid({ local: { maxWorkers: 1 } });
    expect(error.message).toContain('tasks');
    expect(error.path).toBe('tasks');
  });

  it('refuses options that are not an object', () => {
    expect(invalid(undefined)).toBeInstanceOf(ValidationError);
    expect(invalid('tasks.ts')).toBeInstanceOf(ValidationError);
  });

  it('refuses a tasks URL that does not exist, naming tasks', () => {
    const missing = new URL('../fixtures/does-not-exist.ts', import.meta.url);
    const error = invalid({ tasks: missing, local: { maxWorkers: 1 } });
    expect(error.path).toBe('tasks');
    expect(error.message).toContain('tasks');
    expect(error.message).toContain('does-not-exist.ts');
  });

  it('refuses a tasks path string that does not exist, naming tasks', () => {
    const error = invalid({ tasks: '/definitely/not/here/tasks.ts', local: { maxWorkers: 1 } });
    expect(error.path).toBe('tasks');
    expect(error.message).toContain('/definitely/not/here/tasks.ts');
  });

  it('refuses an empty tasks string', () => {
    expect(invalid({ tasks: '' }).path).toBe('tasks');
  });

  it('accepts valid options (a path string or a URL) and can be destroyed', async () => {
    const fromUrl = createOffloader({ tasks, local: { maxWorkers: 1, minWorkers: 0 } });
    created.push(fromUrl);
    const fromPath = createOffloader({ tasks: tasks.pathname, local: { maxWorkers: 1, minWorkers: 0 } });
    created.push(fromPath);
    expect(fromUrl.stats().backends.local).toMatchObject({ dispatched: 0, succeeded: 0, failed: 0 });
  });
});

describe('option types and schemas', () => {
  it('each hand-written option interface equals the input type of its schema (checked by tsc)', () => {
    expectTypeOf<LocalOptions>().toEqualTypeOf<z.input<typeof LocalOptionsSchema>>();
    expectTypeOf<BurstPolicy>().toEqualTypeOf<z.input<typeof BurstPolicySchema>>();
    expectTypeOf<CostPolicy>().toEqualTypeOf<z.input<typeof CostPolicySchema>>();
    expectTypeOf<BreakerOptions>().toEqualTypeOf<z.input<typeof BreakerOptionsSchema>>();
    expectTypeOf<RetryOptions>().toEqualTypeOf<z.input<typeof RetryOptionsSchema>>();
    expectTypeOf<LogOptions>().toEqualTypeOf<z.input<typeof LogOptionsSchema>>();
    expectTypeOf<OffloaderOptions>().toEqualTypeOf<z.input<typeof OffloaderOptionsSchema>>();
  });

  it('refuses a worker young generation outside 1..1024 MB, naming the field', () => {
    expect(() => resolveOptions({ tasks, local: { workerYoungGenerationMb: 0 } })).toThrow(/local\.workerYoungGenerationMb/);
    expect(resolveOptions({ tasks, local: { workerYoungGenerationMb: 48 } }).local.workerYoungGenerationMb).toBe(48);
  });

  it('applies the defaults next to the schema: an unbounded queue, breaker and retry settings', () => {
    const resolved = resolveOptions({ tasks, local: { maxWorkers: 2 } });
    expect(resolved.local).toEqual({
      maxWorkers: 2,
      maxWorkersSource: 'option',
      minWorkers: 2,
      onStall: 'report',
      abortGraceMs: 1_000,
      idleTimeoutMs: 30_000,
      maxQueue: Number.POSITIVE_INFINITY,
      affinityMaxQueue: 1_000,
      isolation: 'thread',
      cpuPinning: false,
    });
    expect(resolved.breaker).toEqual({ errorThresholdPercentage: 50, volumeThreshold: 5, resetTimeoutMs: 10_000, rollingWindowMs: 10_000 });
    expect(resolved.retry).toEqual({ retries: 3, minDelayMs: 50, maxDelayMs: 2_000 });
    expect(resolved.cost).toEqual({ prefer: 'cheapest', crossRegionUsdPerGb: 0.02 });
    expect(resolved.remotes).toEqual([]);
    expect(resolved.burst).toBeUndefined();
  });

  it('reads "Expected `field` to be ..., got value" for a nested option', () => {
    expect(invalid({ tasks, retry: { retries: -1 } }).message).toBe('Invalid offloader options: Expected `retry.retries` to be >= 0, got -1');
    expect(invalid({ tasks, local: { maxQueue: 0 } }).path).toBe('local.maxQueue');
  });
});
