// Hedging of stragglers (issue 12, part 5), through the public API against
// the real Functions Framework server on 127.0.0.1 and the local pool. The
// task of test/fixtures/hedge-tasks.mjs straggles only where it runs on the
// backend its input names, so the backup elsewhere answers at once: the
// hedge wins, the straggler is cancelled (its AbortSignal) and billed, and
// the task settles once. No assertion is on elapsed time.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { chromeTrace } from '../../infra/report/chrome-trace.js';
import { reportModel } from '../../infra/report/report-model.js';
import {
  type Backend,
  createOffloader,
  type HedgeOptions,
  type Offloader,
  offloadable,
  type TaskEventInfo,
  type TaskHedgeInfo,
  ValidationError,
} from '../../src/index.js';
import { hedged, plain } from '../fixtures/hedge-tasks.mjs';
import { type FunctionsFrameworkServer, GCF_TEST_ENTRY, startFunctionsFramework } from '../support/functions-framework.js';
import { rejectionOf } from '../support/helpers.js';

const tasks = new URL('../fixtures/hedge-tasks.mjs', import.meta.url);
/** Each attempt's limit: a remote attempt reserves (and, cancelled, is billed) this plus 100 ms. */
const TIMEOUT_MS = 10_000;
/** How long a straggler would run: far past any learned percentile, within the timeout. */
const STRAGGLE_MS = 8_000;
/** Runs a task needs on a backend before its percentile is trusted (hedge-history.ts). */
const LEARN_RUNS = 20;

let server: FunctionsFrameworkServer;
let scratch: string;
const live: Offloader[] = [];

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'spillway-hedge-'));
  server = await startFunctionsFramework({ source: GCF_TEST_ENTRY, env: { SPILLWAY_TASKS_URL: tasks.href } });
}, 60_000);
afterEach(async () => {
  await Promise.all(live.splice(0).map((offloader) => offloader.destroy()));
});
afterAll(async () => {
  await server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function setUp(maxWorkers: number): { offloader: Offloader; gcf: Backend; seen: Record<string, string[]>; hedges: TaskHedgeInfo[] } {
  // The Functions Framework bills no startup, so no cold start is reserved.
  const gcf = cloudFunctions({ url: server.url, auth: 'none', maxBilledColdStartMs: 0 });
  const offloader = createOffloader({ tasks, local: { maxWorkers }, remotes: [gcf] });
  live.push(offloader);
  // Every task's final outcomes, by task id: exactly one each.
  const seen: Record<string, string[]> = {};
  const note = (outcome: string) => (info: TaskEventInfo) => {
    seen[info.taskId] ??= [];
    seen[info.taskId].push(`${outcome}@${info.backend}`);
  };
  offloader.on('success', note('success'));
  offloader.on('failure', note('failure'));
  const hedges: TaskHedgeInfo[] = [];
  offloader.on('hedge', (info) => hedges.push(info));
  return { offloader, gcf, seen, hedges };
}

/** Runs `count` quick attempts of `task` on `placement`, so hedging learns its durations there. */
async function learn(offloader: Offloader, task: typeof hedged, placement: string, hedge?: HedgeOptions | false) {
  for (let run = 0; run < LEARN_RUNS; run++) {
    await offloader.run(task, {}, { placement, timeoutMs: TIMEOUT_MS, hedge });
  }
}

describe('hedging stragglers', () => {
  it('a straggler on the remote gets a backup on an idle local worker: the backup wins, the remote attempt is cancelled and billed its bound', async () => {
    const { offloader, gcf, seen, hedges } = setUp(2);
    await learn(offloader, hedged, 'gcf');
    expect(offloader.stats().hedges.sent).toBe(0);
    const before = offloader.stats().spend.byBackend.gcf ?? 0;
    const successes: string[] = [];
    const ranOn = await offloader.run(
      hedged,
      { slow: { 'gcp-functions': STRAGGLE_MS } },
      { placement: 'gcf', timeoutMs: TIMEOUT_MS, onSuccess: (_value, info) => successes.push(info.backend) },
    );
    expect(ranOn).toBe('local');
    expect(successes).toEqual(['local']);
    expect(hedges).toHaveLength(1);
    expect(hedges[0]).toMatchObject({ backend: 'gcf', hedgeBackend: 'local', reason: 'hedge', attempt: 2 });
    const { taskId } = hedges[0];
    expect(seen[taskId]).toEqual(['success@local']);
    const stats = offloader.stats();
    expect(stats.hedges).toMatchObject({ sent: 1, won: 1, skipped: 0, extraUsd: 0 });
    expect(stats.pending).toBe(0);
    // The cancelled remote attempt keeps running (and billing) where it was sent: billed its whole bound once its abort lands.
    const bound = gcf.estimateCostUsd?.(TIMEOUT_MS + 100) ?? Number.NaN;
    await vi.waitFor(() => expect((offloader.stats().spend.byBackend.gcf ?? 0) - before).toBeCloseTo(bound, 12));
    const attempts = offloader.timeline().attempts.filter((attempt) => attempt.taskId === taskId);
    expect(attempts.map(({ backend, outcome, reason }) => ({ backend, outcome, reason }))).toEqual(
      expect.arrayContaining([
        { backend: 'local', outcome: 'ok', reason: 'hedge' },
        { backend: 'gcf', outcome: 'ERR_ABORTED', reason: undefined },
      ]),
    );
    expect(attempts).toHaveLength(2);
    // The report's Chrome trace marks the backup too.
    const args = chromeTrace(reportModel(offloader.timeline())).traceEvents.map((event) => event.args as { taskId?: string; reason?: string } | undefined);
    expect(args.filter((arg) => arg?.taskId === taskId).map((arg) => arg?.reason)).toEqual(expect.arrayContaining(['hedge', undefined]));
    // Every task settled exactly once, the learning runs included.
    expect(Object.values(seen).every((outcomes) => outcomes.length === 1)).toBe(true);
    expect(Object.keys(seen)).toHaveLength(LEARN_RUNS + 1);
  }, 60_000);

  it('a straggler on the local pool gets a backup on the remote: the backup wins and is billed as extra, the local attempt is aborted', async () => {
    const { offloader, seen } = setUp(1);
    await learn(offloader, hedged, 'local');
    const abortMarker = join(scratch, 'local-aborted');
    const ranOn = await offloader.run(hedged, { slow: { local: STRAGGLE_MS }, abortMarker }, { placement: 'local', timeoutMs: TIMEOUT_MS });
    expect(ranOn).toBe('gcp-functions');
    // The losing local attempt's signal aborted inside its worker.
    await vi.waitFor(() => expect(existsSync(abortMarker)).toBe(true), { timeout: 20_000 });
    const stats = offloader.stats();
    expect(stats.hedges).toMatchObject({ sent: 1, won: 1, skipped: 0 });
    expect(stats.hedges.extraUsd).toBeGreaterThan(0);
    expect(stats.hedges.extraUsd).toBeCloseTo(stats.spend.byBackend.gcf ?? 0, 12);
    expect(Object.values(seen).every((outcomes) => outcomes.length === 1)).toBe(true);
    expect(Object.values(seen).filter((outcomes) => outcomes[0] === 'success@gcf')).toHaveLength(1);
    // The pool carries on.
    await expect(offloader.run(hedged, {}, { placement: 'local' })).resolves.toBe('local');
  }, 60_000);

  it('maxExtraCost stops hedging once the backups have spent it; a call-level hedge works on a task without one', async () => {
    const { offloader, gcf, seen } = setUp(1);
    // Room for one backup's reservation, and less than any billed run on top of it.
    const reserve = gcf.estimateCostUsd?.(TIMEOUT_MS + 100) ?? Number.NaN;
    const hedge = { afterPercentile: 90, maxExtraCost: reserve + (gcf.estimateCostUsd?.(1) ?? 0) / 2 };
    await learn(offloader, plain, 'local', hedge);
    const straggler = { slow: { local: 3_000 } };
    await expect(offloader.run(plain, straggler, { placement: 'local', timeoutMs: TIMEOUT_MS, hedge })).resolves.toBe('gcp-functions');
    await expect(offloader.run(plain, straggler, { placement: 'local', timeoutMs: TIMEOUT_MS, hedge })).resolves.toBe('local');
    expect(offloader.stats().hedges).toMatchObject({ sent: 1, won: 1, skipped: 1 });
    expect(offloader.stats().hedges.extraUsd).toBeLessThanOrEqual(hedge.maxExtraCost);
    // Without a hedge in the call, the task has none.
    await expect(offloader.run(plain, straggler, { placement: 'local', timeoutMs: TIMEOUT_MS })).resolves.toBe('local');
    expect(offloader.stats().hedges.sent).toBe(1);
    expect(Object.values(seen).every((outcomes) => outcomes.length === 1)).toBe(true);
  }, 60_000);

  it('when the straggler answers first, the backup on the remote is cancelled and billed its bound as extra spend', async () => {
    const { offloader, gcf, seen } = setUp(1);
    await learn(offloader, hedged, 'local');
    const ranOn = await offloader.run(hedged, { slow: { local: 1_500, 'gcp-functions': STRAGGLE_MS } }, { placement: 'local', timeoutMs: TIMEOUT_MS });
    expect(ranOn).toBe('local');
    const bound = gcf.estimateCostUsd?.(TIMEOUT_MS + 100) ?? Number.NaN;
    await vi.waitFor(() => expect(offloader.stats().hedges.extraUsd).toBeCloseTo(bound, 12));
    expect(offloader.stats().hedges).toMatchObject({ sent: 1, won: 0 });
    expect(offloader.stats().spend.byBackend.gcf).toBeCloseTo(bound, 12);
    const backup = offloader.timeline().attempts.find((attempt) => attempt.reason === 'hedge');
    expect(backup).toMatchObject({ backend: 'gcf', outcome: 'ERR_ABORTED', attempt: 2 });
    expect(Object.values(seen).every((outcomes) => outcomes.length === 1)).toBe(true);
  }, 60_000);

  it('a straggler that fails for good while its backup runs waits for the backup, whose success wins', async () => {
    const { offloader, seen } = setUp(1);
    await learn(offloader, hedged, 'local');
    const input = { slow: { local: 1_000, 'gcp-functions': 2_500 }, failOn: 'local' };
    await expect(offloader.run(hedged, input, { placement: 'local', timeoutMs: TIMEOUT_MS })).resolves.toBe('gcp-functions');
    expect(offloader.stats().hedges).toMatchObject({ sent: 1, won: 1 });
    const outcomes = offloader.timeline().attempts.filter((attempt) => attempt.attempt > 1 || attempt.outcome !== 'ok');
    expect(outcomes.map(({ backend, outcome }) => `${backend}:${outcome}`).sort()).toEqual(['gcf:ok', 'local:ERR_TASK']);
    expect(Object.values(seen).every((all) => all.length === 1)).toBe(true);
    // When the backup fails too, the task fails once, with the straggler's own error.
    const failure = await rejectionOf(offloader.run(hedged, { ...input, failOn: ['local', 'gcp-functions'] }, { placement: 'local', timeoutMs: TIMEOUT_MS }));
    expect(failure).toMatchObject({ code: 'ERR_TASK', backend: 'local', message: expect.stringContaining('failed on local') });
    expect(offloader.stats().hedges).toMatchObject({ sent: 2, won: 1 });
    expect(Object.values(seen).every((all) => all.length === 1)).toBe(true);
    expect(Object.values(seen).filter((all) => all[0] === 'failure@local')).toHaveLength(1);
  }, 60_000);

  it('map passes its hedge to every input', async () => {
    const { offloader, seen } = setUp(1);
    const hedge = { afterPercentile: 95 };
    const quick = Array.from({ length: LEARN_RUNS }, () => ({}));
    await expect(offloader.map(plain, quick, { placement: 'local', hedge })).resolves.toEqual(quick.map(() => 'local'));
    const inputs = [{}, { slow: { local: STRAGGLE_MS } }];
    await expect(offloader.map(plain, inputs, { placement: 'local', hedge, timeoutMs: TIMEOUT_MS })).resolves.toEqual(['local', 'gcp-functions']);
    expect(offloader.stats().hedges).toMatchObject({ sent: 1, won: 1 });
    expect(Object.values(seen).every((outcomes) => outcomes.length === 1)).toBe(true);
  }, 60_000);

  it('refuses a hedge on a task that is not idempotent, and a bad hedge, with clear errors; a task may turn its hedge off per call', async () => {
    expect(() => offloadable({ name: 'charge', idempotent: false, hedge: { afterPercentile: 95 } }, () => 1)).toThrow(
      /Expected `hedge` only on an idempotent task, but task "charge" has `idempotent: false`/,
    );
    expect(() => offloadable({ name: 'bad', hedge: { afterPercentile: 100 } }, () => 1)).toThrow(/`hedge.afterPercentile` to be < 100, got 100/);
    const { offloader } = setUp(1);
    const charge = offloadable({ name: 'charge', idempotent: false }, () => 1);
    const refused = await rejectionOf(offloader.run(charge, undefined, { hedge: { afterPercentile: 95 } }));
    expect(refused).toBeInstanceOf(ValidationError);
    expect(refused).toMatchObject({ path: 'hedge' });
    const bad = await rejectionOf(offloader.run(plain, {}, { hedge: { afterPercentile: 95, maxExtraCost: -1 } }));
    expect(bad).toMatchObject({ path: 'hedge.maxExtraCost' });
    expect((bad as Error).message).toMatch(/Expected `hedge.maxExtraCost` to be >= 0, got -1/);
    // `hedge: false` turns the task's own hedge off: nothing is learned, nothing is sent.
    await learn(offloader, hedged, 'local', false);
    await expect(offloader.run(hedged, { slow: { local: 1_000 } }, { placement: 'local', hedge: false })).resolves.toBe('local');
    expect(offloader.stats().hedges.sent).toBe(0);
    expect(offloader.stats().backends.local.dispatched).toBe(LEARN_RUNS + 1);
  }, 60_000);
});
