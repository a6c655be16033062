/**
 * The storm of issue 13 part 5, one implementation for `npm run soak`
 * (bench/soak.ts, about 5 minutes) and the 45-second run in the test suite
 * (test/integration/soak.test.ts): {@link runSoak}.
 *
 * Tasks arrive over time from a timer (a steady rate with a spike every few
 * seconds), far more than the 2-worker local pool carries, so the remotes take
 * most of them: the real Functions Framework (`gcf`), real serverless-offline
 * (`lambda`) and the in-process `chaos` remote, each behind a wrapper that
 * gives 20% of attempts a fault (bench/soak-faults.ts). 5% of the way in,
 * serverless-offline is stopped and started again on its port (it takes
 * seconds to start); at 15% the Functions Framework is killed with requests in
 * flight and started again on its port. Both are back well before the budget
 * binds, so their breakers get to close. A quarter
 * of the tasks are not idempotent. Every execution appends to a journal file.
 * The budget allows remote attempts for about half the planned tasks, so it
 * binds (at about two thirds of the arrivals); from then on arrivals slow to a third, so the
 * run ends in bounded time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOffloader, type Offloader } from 'spillway';
import { lambda } from 'spillway/aws-lambda';
import { cloudFunctions } from 'spillway/gcp-functions';
import { charge, type SoakInput, square } from './fixtures/soak-tasks.mjs';
import { footprint, handleGrowth, type ProcessFootprint, readJournal, reruns } from './soak-accounting.js';
import { SoakEmulators } from './soak-emulators.js';
import { type FaultyBackend, inProcessRemote, seededRandom, withFaults } from './soak-faults.js';
import { SoakTally } from './soak-tally.js';

const TASKS_URL = new URL('./fixtures/soak-tasks.mjs', import.meta.url);
const REMOTES = ['gcf', 'lambda', 'chaos'] as const;
const TICK_MS = 25;
const USD_PER_ATTEMPT = 0.000_001;

/** Options of {@link runSoak}. */
export interface SoakOptions {
  /** How long tasks arrive. */
  durationMs: number;
  /** Steady arrivals per second before the budget binds (a spike of 2 s worth comes every 5 s on top). @default 60 */
  ratePerSecond?: number;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Seed of the random choices. @default 7 */
  seed?: number;
}

/** What {@link runSoak} found; the first seven keys are the JSON keys. */
export interface SoakReport {
  tasks: number;
  /** Share of tasks that settled successfully on a remote. */
  remoteShare: number;
  /** Tasks that never settled. */
  lost: number;
  /** Tasks that settled more than once. */
  doubleSettled: number;
  /** Executions of non-idempotent tasks past their first (journal lines). */
  nonIdempotentReruns: number;
  /** spend ÷ budget − 1: at most 0 when the budget held. */
  budgetOvershoot: number;
  /** RSS after the storm (offloader destroyed, emulators stopped, collected) minus before it, in MB. */
  rssGrowthMb: number;
  details: SoakDetails;
}

/** The rest of what the storm saw. */
export interface SoakDetails {
  heapGrowthMb: number;
  handleGrowth: Record<string, number>;
  idempotentReruns: number;
  /** Idempotent tasks that did not run at all according to the journal (0 expected). */
  idempotentNeverRan: number;
  failedIdempotent: number;
  /** Non-idempotent tasks that failed with a fault that may have come after they ran (not retried). */
  failedNonIdempotent: number;
  wrongResults: number;
  budgetBound: boolean;
  spendUsd: number;
  budgetUsd: number;
  settledOn: Record<string, number>;
  faults: Record<string, Record<string, number>>;
  breakers: Record<string, string[]>;
  gcfInFlightAtKill: number;
  failureCodes: Record<string, number>;
  idempotentFailures: { id: number; code: string; backend?: string; attempts?: number; message: string }[];
}

/** The offloader of the storm over the three faulty remotes. */
function stormOffloader(remotes: FaultyBackend[], budgetUsd: number): Offloader {
  return createOffloader({
    tasks: TASKS_URL,
    local: { maxWorkers: 2 },
    remotes,
    burst: { maxQueueDepth: 4 },
    cost: { budgetUsd, prefer: [...REMOTES] },
    breaker: { volumeThreshold: 5, errorThresholdPercentage: 50, resetTimeoutMs: 1_000, rollingWindowMs: 2_000 },
    retry: { retries: 6, minDelayMs: 5, maxDelayMs: 200 },
  });
}

/** Runs the storm for `options.durationMs`, then counts; rejects only when set-up fails. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'spillway-soak-'));
  const journal = join(dir, 'journal.log');
  const emulators = await SoakEmulators.start(TASKS_URL);
  log(`emulators up: gcf ${emulators.gcfUrl}, lambda ${emulators.functionName}`);
  const random = seededRandom(options.seed ?? 7);
  const ratePerSecond = options.ratePerSecond ?? 60;
  const plannedTasks = Math.round((ratePerSecond * 1.4 * options.durationMs) / 1_000);
  const budgetUsd = USD_PER_ATTEMPT * Math.round(plannedTasks * 0.5);
  const faultSettings = { rate: 0.2, hangMs: 1_500, usdPerAttempt: USD_PER_ATTEMPT, random };
  // An offloader destroys its remotes: the warm-up gets its own.
  const makeRemotes = (): FaultyBackend[] => [
    withFaults(cloudFunctions({ url: emulators.gcfUrl, auth: 'none', maxConcurrency: 8, timeoutSeconds: 30 }), faultSettings),
    withFaults(lambda({ functionName: emulators.functionName, client: emulators.lambdaClient, maxConcurrency: 8, timeoutSeconds: 30 }), faultSettings),
    withFaults(inProcessRemote(TASKS_URL, 8), faultSettings),
  ];
  const before = await warmUp(makeRemotes(), journal);
  const remotes = makeRemotes();
  const offloader = stormOffloader(remotes, budgetUsd);
  const tally = new SoakTally(offloader, REMOTES);
  offloader.on('budgetExhausted', () => log(`budget bound after ${tally.submitted} tasks`));
  let gcfInFlightAtKill = 0;
  try {
    const submit = (id: number): void => {
      const input: SoakInput = { id, n: id % 1_000, ms: 20 + Math.floor(random() * 80), journal };
      tally.submit(random() < 0.25 ? charge : square, input);
    };
    const outages = [
      {
        atMs: options.durationMs * 0.05,
        run: async () => {
          log('stopping serverless-offline');
          await emulators.restartLambda(Math.max(2_000, options.durationMs * 0.04));
          log('serverless-offline back');
        },
      },
      {
        atMs: options.durationMs * 0.15,
        run: async () => {
          gcfInFlightAtKill = await waitForInFlight(remotes[0] as FaultyBackend);
          log(`killing the Functions Framework with ${gcfInFlightAtKill} requests in flight`);
          await emulators.crashGcf(Math.max(2_000, options.durationMs * 0.04));
          log('Functions Framework back');
        },
      },
    ];
    await arrive(options.durationMs, ratePerSecond, () => tally.budgetBound, submit, outages);
    log(`${tally.submitted} tasks submitted; draining`);
    await tally.drain(60_000 + options.durationMs * 0.2);
  } finally {
    await offloader.destroy();
  }
  // Measured in the state of the baseline: emulators up, no offloader.
  const after = await footprint();
  await emulators.stop();
  const spendUsd = offloader.stats().spend.totalUsd;
  const executions = readJournal(journal);
  rmSync(dir, { recursive: true, force: true });
  const outcome = tally.outcome(executions);
  return {
    tasks: tally.submitted,
    remoteShare: round(outcome.remoteSettled / tally.submitted),
    lost: outcome.lost,
    doubleSettled: outcome.doubleSettled,
    nonIdempotentReruns: reruns(executions.charge),
    budgetOvershoot: round(spendUsd / budgetUsd - 1),
    rssGrowthMb: round(after.rssMb - before.rssMb),
    details: {
      ...outcome.details,
      heapGrowthMb: round(after.heapUsedMb - before.heapUsedMb),
      handleGrowth: handleGrowth(before, after),
      idempotentReruns: reruns(executions.square),
      budgetBound: tally.budgetBound,
      spendUsd,
      budgetUsd,
      faults: Object.fromEntries(remotes.map((remote) => [remote.name, remote.faults])),
      gcfInFlightAtKill,
    },
  };
}

function round(value: number): number {
  return Math.round(value * 1_000) / 1_000;
}

/** Polls until `remote` has at least 4 requests in flight (at most 5 s); returns how many. */
async function waitForInFlight(remote: FaultyBackend): Promise<number> {
  for (let waited = 0; remote.inFlight() < 4 && waited < 5_000; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
  return remote.inFlight();
}

/**
 * Loads everything the storm uses (workers, SDK clients, both handlers warm) with a short
 * offloader of its own on the same remotes, destroys it, and measures the baseline.
 */
async function warmUp(remotes: FaultyBackend[], journal: string): Promise<ProcessFootprint> {
  const offloader = stormOffloader(remotes, 1);
  try {
    const input = (id: number): SoakInput => ({ id: -1 - id, n: 0, ms: 1, journal });
    await Promise.allSettled([...REMOTES, 'local'].flatMap((placement) => [0, 1, 2, 3].map((id) => offloader.run(square, input(id), { placement }))));
  } finally {
    await offloader.destroy();
  }
  return footprint();
}

/**
 * Submits tasks from a timer for `durationMs`: `ratePerSecond`, plus a spike of two seconds' worth every
 * 5 s, until `bound()` (then a third of the rate); starts each outage at its time without pausing arrivals.
 */
async function arrive(
  durationMs: number,
  ratePerSecond: number,
  bound: () => boolean,
  submit: (id: number) => void,
  outages: { atMs: number; run: () => Promise<void> }[],
): Promise<void> {
  const start = performance.now();
  const running: Promise<void>[] = [];
  let next = 0;
  let owed = 0;
  let lastSpike = 0;
  let lastTick = 0;
  for (let elapsed = 0; elapsed < durationMs; elapsed = performance.now() - start) {
    for (const outage of outages) {
      if (elapsed >= outage.atMs && !running[outages.indexOf(outage)]) running[outages.indexOf(outage)] = outage.run();
    }
    const rate = bound() ? ratePerSecond / 3 : ratePerSecond;
    owed += (rate * (elapsed - lastTick)) / 1_000;
    lastTick = elapsed;
    if (!bound() && elapsed - lastSpike >= 5_000) {
      owed += ratePerSecond * 2;
      lastSpike = elapsed;
    }
    for (; owed >= 1; owed--) submit(next++);
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(running);
}
