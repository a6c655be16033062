// Budgets are caps (issue 12, part 3), through the public API against the
// real emulators of `spillway/dev` (serverless-offline for Lambda, the
// Functions Framework for Cloud Functions): rows of the table scaled
// down. Each remote attempt reserves its upper bound (timeout × price) until
// it settles, so billed spend never exceeds `cost.budgetUsd`: `auto` tasks
// that do not fit run locally, a pinned placement that does not fit fails
// with ERR_BUDGET_EXHAUSTED, and failed and aborted runs are billed.
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambda } from '../../adapters/aws-lambda/index.js';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { type DevSession, startDev } from '../../infra/dev-entry.js';
import { type Backend, CapacityError, createOffloader, isOffloadError, type Offloader, type Placement, TaskError } from '../../src/index.js';
import { failQuota, sleep } from '../fixtures/remote-tasks.mjs';
import { rejectionOf } from '../support/helpers.js';

const tasks = new URL('../fixtures/remote-tasks.mjs', import.meta.url);
let session: DevSession;
const clients: LambdaClient[] = [];

beforeAll(async () => {
  session = await startDev({ tasks, lambda: true });
}, 120_000);
afterAll(async () => {
  for (const client of clients) client.destroy();
  await session?.stop();
});

type RemoteKind = 'lambda-1024' | 'lambda-10240' | 'gcf';

/**
 * A remote on the emulators. They bill no cold start, so the rows reserve
 * none (`maxBilledColdStartMs: 0`) unless `extra` says otherwise; the
 * default reservation of a cold start has its own test below.
 */
function remote(kind: RemoteKind, extra: { timeoutSeconds?: number } = {}): Backend {
  const options = { maxBilledColdStartMs: 0, ...extra };
  if (kind === 'gcf') return cloudFunctions({ url: session.gcfUrl, auth: 'none', ...options });
  return lambdaOn(kind === 'lambda-1024' ? 1024 : 10_240, options);
}

/** `lambda()` on the emulator with `memoryMb` and `extra` over the defaults. */
function lambdaOn(memoryMb: number, extra: { timeoutSeconds?: number; maxBilledColdStartMs?: number } = {}): Backend {
  if (session.lambda === undefined) throw new Error('startDev({ lambda: true }) started no Lambda emulator');
  const client = new LambdaClient(session.lambda.clientConfig);
  clients.push(client);
  return lambda({ functionName: session.lambda.functionName, client, memoryMb, ...extra });
}

/** The scaled-down set-up of the table: one local worker, overflow as soon as one task waits (the threshold alone: these rows test the caps, not the latency rule), a tiny budget. */
function offloaderOn(backend: Backend, budgetUsd: number): Offloader {
  return createOffloader({ tasks, local: { maxWorkers: 1 }, remotes: [backend], burst: { maxQueueDepth: 0, latencyAware: false }, cost: { budgetUsd } });
}

interface Outcome {
  ranOn: Record<string, number>;
  failures: string[];
  /** Billed by the remote's own price model, tallied from every task's event. */
  tallyUsd: number;
  statsUsd: number;
}

/** Runs `count` sleeps of `ms` at once, then closes the offloader. */
async function burst(
  offloader: Offloader,
  backend: Backend,
  count: number,
  ms: number,
  options: { placement?: Placement; timeoutMs?: number },
): Promise<Outcome> {
  const outcome: Outcome = { ranOn: {}, failures: [], tallyUsd: 0, statsUsd: 0 };
  const tally = ({ backend: name, runMs }: { backend: string; runMs: number }) => {
    if (name === backend.name) outcome.tallyUsd += backend.estimateCostUsd?.(runMs) ?? 0;
  };
  offloader.on('success', (info) => {
    outcome.ranOn[info.backend] = (outcome.ranOn[info.backend] ?? 0) + 1;
    tally(info);
  });
  offloader.on('failure', tally);
  await Promise.all(
    Array.from({ length: count }, () =>
      offloader.run(sleep, ms, options).then(
        (value) => expect(value).toBe(ms),
        (error: unknown) => outcome.failures.push(isOffloadError(error) ? error.code : String(error)),
      ),
    ),
  );
  outcome.statsUsd = offloader.stats().spend.totalUsd;
  await offloader.close();
  return outcome;
}

describe('budgets are caps: auto overflow on the emulators', () => {
  const rows: { kind: RemoteKind; count: number; ms: number; timeoutMs: number; budgetUsd: number }[] = [
    { kind: 'lambda-1024', count: 40, ms: 20, timeoutMs: 250, budgetUsd: 0.00002 },
    { kind: 'lambda-10240', count: 40, ms: 20, timeoutMs: 250, budgetUsd: 0.0001 },
    { kind: 'gcf', count: 40, ms: 20, timeoutMs: 250, budgetUsd: 0.00002 },
    { kind: 'lambda-1024', count: 12, ms: 300, timeoutMs: 1000, budgetUsd: 0.00004 },
    { kind: 'lambda-10240', count: 12, ms: 300, timeoutMs: 1000, budgetUsd: 0.0002 },
    { kind: 'gcf', count: 12, ms: 300, timeoutMs: 1000, budgetUsd: 0.00002 },
  ];
  for (const { kind, count, ms, timeoutMs, budgetUsd } of rows) {
    it(`${count} x ${ms} ms on ${kind}: billed spend stays within $${budgetUsd}, the rest runs locally`, async () => {
      const backend = remote(kind);
      const outcome = await burst(offloaderOn(backend, budgetUsd), backend, count, ms, { timeoutMs });
      expect(outcome.failures).toEqual([]);
      expect((outcome.ranOn[backend.name] ?? 0) + (outcome.ranOn.local ?? 0)).toBe(count);
      expect(outcome.ranOn[backend.name]).toBeGreaterThan(0);
      expect(outcome.ranOn.local).toBeGreaterThan(0);
      expect(outcome.statsUsd).toBeCloseTo(outcome.tallyUsd, 12);
      expect(outcome.tallyUsd / budgetUsd).toBeLessThanOrEqual(1);
    });
  }

  it('without a task timeout an attempt reserves the function timeout: nothing fits a tiny budget, everything runs locally', async () => {
    const backend = remote('lambda-1024');
    expect(backend.maxBilledDurationMs).toBe(900_000);
    const outcome = await burst(offloaderOn(backend, 0.00002), backend, 6, 20, {});
    expect(outcome.ranOn).toEqual({ local: 6 });
    expect(outcome.statsUsd).toBe(0);
  });

  it("by default an attempt also reserves the longest billed cold start (Lambda's 10 s INIT cap): a budget that fits the run alone keeps everything local", async () => {
    const backend = lambdaOn(1024);
    expect(backend.maxBilledColdStartMs).toBe(10_000);
    const runOnlyUsd = backend.estimateCostUsd?.(350) ?? Number.NaN;
    expect(runOnlyUsd).toBeGreaterThan(0);
    const outcome = await burst(offloaderOn(backend, runOnlyUsd * 20), backend, 6, 20, { timeoutMs: 250 });
    expect(outcome.ranOn).toEqual({ local: 6 });
    expect(outcome.statsUsd).toBe(0);
    const fits = remote('lambda-1024');
    const spilled = await burst(offloaderOn(fits, runOnlyUsd * 20), fits, 6, 20, { timeoutMs: 250 });
    expect(spilled.ranOn.lambda).toBeGreaterThan(0);
  });
});

describe('budgets are caps: pinned placements', () => {
  it("placement 'lambda' runs what fits and fails the rest with CapacityError ERR_BUDGET_EXHAUSTED, never locally", async () => {
    const backend = remote('lambda-1024');
    const budgetUsd = 0.00002;
    const outcome = await burst(offloaderOn(backend, budgetUsd), backend, 40, 20, { placement: 'lambda', timeoutMs: 250 });
    expect(outcome.ranOn.local).toBeUndefined();
    expect(outcome.ranOn.lambda).toBeGreaterThan(0);
    expect(outcome.failures.length).toBeGreaterThan(0);
    expect(new Set(outcome.failures)).toEqual(new Set(['ERR_BUDGET_EXHAUSTED']));
    expect(outcome.ranOn.lambda + outcome.failures.length).toBe(40);
    expect(outcome.tallyUsd / budgetUsd).toBeLessThanOrEqual(1);
  });

  it("placement 'remote' with the function's timeout as the bound: one attempt at a time fits", async () => {
    const backend = remote('gcf', { timeoutSeconds: 1 });
    expect(backend.maxBilledDurationMs).toBe(1000);
    const budgetUsd = (backend.estimateCostUsd?.(1000) ?? 0) * 1.5;
    const offloader = offloaderOn(backend, budgetUsd);
    const [first, second] = await Promise.allSettled([offloader.run(sleep, 20, { placement: 'remote' }), offloader.run(sleep, 20, { placement: 'remote' })]);
    expect(first).toEqual({ status: 'fulfilled', value: 20 });
    const refused = (second as PromiseRejectedResult).reason as CapacityError;
    expect(refused).toBeInstanceOf(CapacityError);
    expect(refused).toMatchObject({ code: 'ERR_BUDGET_EXHAUSTED', backend: 'gcf', retryable: false });
    expect(refused.message).toContain('cost.budgetUsd');
    expect(offloader.stats().spend.totalUsd).toBeLessThanOrEqual(budgetUsd);
    await offloader.close();
  });
});

describe('budgets are caps: failed and aborted remote runs are billed', () => {
  it("a task's own error is billed at its run time, an aborted attempt at its whole bound", async () => {
    const backend = remote('lambda-1024');
    const offloader = createOffloader({ tasks, local: { maxWorkers: 1 }, remotes: [backend], cost: { budgetUsd: 0.001 } });
    const controller = new AbortController();
    const abortSoon = () => setTimeout(() => controller.abort(), 100);
    offloader.on('dispatch', abortSoon);
    const aborted = await rejectionOf(offloader.run(sleep, 5000, { placement: 'lambda', timeoutMs: 2000, signal: controller.signal }));
    expect(isOffloadError(aborted, 'ERR_ABORTED')).toBe(true);
    expect(offloader.stats().spend.totalUsd).toBeCloseTo(backend.estimateCostUsd?.(2100) ?? Number.NaN, 12);
    offloader.off('dispatch', abortSoon);
    const failed = await rejectionOf(offloader.run(failQuota, 1, { placement: 'lambda', timeoutMs: 1000 }));
    expect(failed).toBeInstanceOf(TaskError);
    const { spend } = offloader.stats();
    expect(spend.totalUsd).toBeGreaterThan(backend.estimateCostUsd?.(2100) ?? Number.NaN);
    expect(spend.totalUsd).toBeLessThanOrEqual(0.001);
    await offloader.close();
  });
});
