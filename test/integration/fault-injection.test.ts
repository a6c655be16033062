// No loss under faults: 10,000 tasks across the local pool and two remotes.
// `gcf` is the real Functions Framework server behind the real
// `cloudFunctions()` adapter; it goes down for a stretch (connections
// refused) and comes back on the same port. `chaos` randomly throttles,
// answers 5xx, times out, or refuses. Every task settles exactly once, every
// (idempotent) task succeeds, spend stays within budget, and gcf's breaker
// opens while it is down and closes after it is back.
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { freePort } from '../../infra/emulators/free-port.js';
import { type FunctionsFrameworkServer, startFunctionsFramework } from '../../infra/emulators/functions-framework.js';
import { createRuntime, createTaskRegistry, hashTaskModule } from '../../src/contract/index.js';
import { type Backend, BackendError, CapacityError, createOffloader, type Offloader } from '../../src/index.js';
import * as remoteTasks from '../fixtures/remote-tasks.mjs';
import { echo } from '../fixtures/remote-tasks.mjs';

const tasksUrl = new URL('../fixtures/remote-tasks.mjs', import.meta.url);
const entry = fileURLToPath(new URL('../fixtures/gcf-entry.mjs', import.meta.url));
const TOTAL = 10_000;
const BUDGET_USD = 0.004;

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** A remote whose attempts fail at random the ways real ones do; the rest run through the shared runtime. */
function chaosRemote(): Backend & { faults: Record<string, number> } {
  const runtime = createRuntime(createTaskRegistry(remoteTasks), { bundleHash: hashTaskModule(tasksUrl) });
  const next = random(42);
  const faults = { throttled: 0, http5xx: 0, timeout: 0, refused: 0, ok: 0 };
  return {
    name: 'chaos',
    kind: 'custom',
    maxConcurrency: 32,
    // Budgets reserve this bound per attempt until it settles.
    maxBilledDurationMs: 5_000,
    faults,
    // Pricier than gcf, so the scheduler prefers gcf while it is healthy.
    estimateCostUsd: () => 0.000002,
    async invoke(envelope) {
      const roll = next();
      if (roll < 0.1) {
        faults.throttled++;
        throw new CapacityError('429 Too Many Requests', { code: 'ERR_BACKEND_THROTTLED' });
      }
      if (roll < 0.2) {
        faults.http5xx++;
        throw new BackendError('HTTP 503', { code: 'ERR_BACKEND_HTTP_503', retryable: true });
      }
      if (roll < 0.25) {
        faults.timeout++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new BackendError('no answer before the client timeout', { code: 'ERR_BACKEND_TIMEOUT', retryable: true });
      }
      if (roll < 0.3) {
        faults.refused++;
        throw new BackendError('connect ECONNREFUSED', { code: 'ERR_BACKEND_UNREACHABLE', retryable: true });
      }
      faults.ok++;
      return JSON.parse(JSON.stringify(await runtime.execute(JSON.parse(JSON.stringify(envelope)))));
    },
    close: async () => {},
    destroy: async () => {},
  };
}

describe('fault injection', () => {
  let server: FunctionsFrameworkServer | undefined;
  let offloader: Offloader | undefined;
  afterAll(async () => {
    await offloader?.destroy();
    await server?.stop();
  });

  it('settles 10,000 tasks exactly once through throttling, 5xx, timeouts, refusals and an outage', async () => {
    const port = await freePort();
    const start = () => startFunctionsFramework({ source: entry, port, env: { SPILLWAY_TASKS_URL: tasksUrl.href } });
    server = await start();
    // A short function timeout: budgets reserve it per attempt, and the budget here is small.
    const gcf = cloudFunctions({ url: server.url, auth: 'none', maxConcurrency: 16, timeoutSeconds: 5 });
    const chaos = chaosRemote();
    offloader = createOffloader({
      tasks: tasksUrl,
      local: { maxWorkers: 2, maxQueue: TOTAL },
      remotes: [gcf, chaos],
      // The emulator is not the cloud its adapter's latency priors describe: the threshold alone decides.
      burst: { maxQueueDepth: 16, latencyAware: false },
      cost: { budgetUsd: BUDGET_USD, prefer: 'cheapest' },
      breaker: { volumeThreshold: 5, errorThresholdPercentage: 50, resetTimeoutMs: 300, rollingWindowMs: 1_000 },
      retry: { retries: 8, minDelayMs: 1, maxDelayMs: 20 },
    });
    const gcfTransitions: string[] = [];
    for (const event of ['breakerOpen', 'breakerHalfOpen', 'breakerClose'] as const) {
      offloader.on(event, ({ backend }) => {
        if (backend === 'gcf') gcfTransitions.push(event);
      });
    }
    const settlements = new Array<number>(TOTAL).fill(0);
    const outcomes = new Array<unknown>(TOTAL);
    const failures: unknown[] = [];
    const run = (index: number) =>
      offloader
        ?.run(echo, index, {
          onSuccess: () => {
            settlements[index]++;
          },
          onError: () => {
            settlements[index]++;
          },
        })
        .then(
          (value) => {
            outcomes[index] = value;
          },
          (error: unknown) => {
            failures.push(error);
          },
        );
    const phase = (from: number, to: number) => Promise.all(Array.from({ length: to - from }, (_, offset) => run(from + offset)));

    await phase(0, 3_000);
    await server.stop();
    // Let phase 1's successes leave the breaker's rolling window: the outage alone decides.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await phase(3_000, 6_000);
    expect(gcfTransitions).toContain('breakerOpen');
    server = await start();
    await new Promise((resolve) => setTimeout(resolve, 400));
    await phase(6_000, TOTAL);
    // Slow trickle so the half-open probe gets its turn even if the burst went elsewhere.
    for (let index = 0; index < 40 && gcfTransitions.at(-1) !== 'breakerClose'; index++) {
      await offloader.run(echo, -1, { placement: 'gcf' });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    expect(failures).toEqual([]);
    expect(settlements.every((count) => count === 1)).toBe(true);
    expect(outcomes).toEqual(Array.from({ length: TOTAL }, (_, index) => index));
    const stats = offloader.stats();
    expect(stats.pending).toBe(0);
    expect(stats.spend.totalUsd).toBeLessThanOrEqual(BUDGET_USD);
    expect(stats.backends.local.succeeded).toBeGreaterThan(0);
    expect(stats.backends.gcf.succeeded).toBeGreaterThan(0);
    expect(stats.backends.chaos.retried).toBeGreaterThan(0);
    expect(Object.values(chaos.faults).every((count) => count > 0)).toBe(true);
    expect(gcfTransitions.indexOf('breakerOpen')).toBeLessThan(gcfTransitions.lastIndexOf('breakerHalfOpen'));
    expect(gcfTransitions.at(-1)).toBe('breakerClose');
  }, 180_000);
});
