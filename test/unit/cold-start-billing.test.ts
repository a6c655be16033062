// Cold starts in the price models and the handlers' report of them (src/contract/cold-start.ts), and the adapters' latency priors.
import { describe, expect, it, vi } from 'vitest';
import { lambda } from '../../adapters/aws-lambda/index.js';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { isOffloadError } from '../../src/index.js';

describe('cold-start billing in the price models', () => {
  it('Lambda bills INIT at the duration price, up to 10 s', () => {
    const backend = lambda({ functionName: 'f', memoryMb: 1024 });
    expect(backend.estimateCostUsd(100, 400)).toBe(backend.estimateCostUsd(500));
    expect(backend.estimateCostUsd(100, 25_000)).toBe(backend.estimateCostUsd(10_100));
    expect(backend.estimateCostUsd(100, 400)).toBeGreaterThan(backend.estimateCostUsd(100));
  });

  it('Cloud Run functions bill startup as instance time, rounded up with the run to 100 ms', () => {
    const backend = cloudFunctions({ url: 'http://127.0.0.1:1/', auth: 'none' });
    expect(backend.estimateCostUsd(50, 120)).toBe(backend.estimateCostUsd(200));
    expect(backend.estimateCostUsd(50, 0)).toBe(backend.estimateCostUsd(100));
  });
});

describe('the cold start a handler reports', () => {
  async function fresh() {
    vi.resetModules();
    return (await import('../../src/contract/cold-start.js')).takeColdStartMs;
  }

  it('is the process age at the first on-demand Lambda invocation only', async () => {
    const take = await fresh();
    expect(take('lambda', { AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' }, 800)).toBe(800);
    expect(take('lambda', { AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' }, 900)).toBeUndefined();
  });

  it('is absent off the platform, for provisioned concurrency, and after a proactive INIT (over 10 s)', async () => {
    expect((await fresh())('lambda', {}, 800)).toBeUndefined();
    expect((await fresh())('lambda', { AWS_LAMBDA_INITIALIZATION_TYPE: 'provisioned-concurrency' }, 800)).toBeUndefined();
    expect((await fresh())('lambda', { AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' }, 10_001)).toBeUndefined();
    expect((await fresh())('gcf', {}, 800)).toBeUndefined();
    expect((await fresh())('gcf', { K_REVISION: 'f-00001-abc' }, 2500)).toBe(2500);
  });
});

describe('latency priors of the adapters', () => {
  it('derive the speed factor from the instance size and take overrides', () => {
    expect(lambda({ functionName: 'f', memoryMb: 1769 }).latencyProfile).toEqual({ coldStartMs: 300, speedFactor: 1, warmMs: 600_000, networkMs: 40 });
    expect(lambda({ functionName: 'f', memoryMb: 3538 }).latencyProfile.speedFactor).toBe(1);
    expect(lambda({ functionName: 'f', memoryMb: 1769, latency: { coldStartMs: 50 } }).latencyProfile.coldStartMs).toBe(50);
    const gcf = cloudFunctions({ url: 'http://127.0.0.1:1/', auth: 'none', pricing: { vcpu: 0.5 } });
    expect(gcf.latencyProfile).toMatchObject({ speedFactor: 2, coldStartMs: 3000 });
  });

  it('refuse a malformed `latency` option with ValidationError naming the field', () => {
    let caught: unknown;
    try {
      lambda({ functionName: 'f', latency: { speedFactor: 0 } });
    } catch (error) {
      caught = error;
    }
    expect(isOffloadError(caught, 'ERR_VALIDATION')).toBe(true);
    expect((caught as Error).message).toContain('latency.speedFactor');
  });
});
