// Moving a task's data across regions through the public API (issue 14,
// part 1): a remote attempt in another region than the task's `dataRegion`
// is billed the move (`cost.crossRegionUsdPerGb`) into `stats().spend`, its
// reservation counts against the budgets, a `dataRegion` without `bytes`
// moves the encoded input, and failover prefers a remote in the data's
// region. The remotes are custom backends in this process that run real
// envelopes through the shared runtime; placements that need a saturated
// pool get it from two local tasks submitted first (`burst.maxQueueDepth: 0`).
import { afterEach, describe, expect, it } from 'vitest';
import { serialize } from '../../src/contract/index.js';
import { type Backend, type BudgetExhaustedInfo, CapacityError, createOffloader, type Offloader, type OffloaderOptions } from '../../src/index.js';
import * as fixtureTasks from '../fixtures/affinity-tasks.js';
import { regional, regionalData, sleepMs } from '../fixtures/affinity-tasks.js';
import { downRemote } from '../support/down-remote.js';
import { rejectionOf } from '../support/helpers.js';
import { inProcessRemote } from '../support/in-process-remote.js';

const tasks = new URL('../fixtures/affinity-tasks.ts', import.meta.url);
const GB = 2 ** 30;
const live: Offloader[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((offloader) => offloader.destroy()));
});

/** A remote in `region` that runs envelopes in this process and bills nothing for run time. */
function remoteIn(name: string, region: string): Backend {
  return inProcessRemote(name, tasks, fixtureTasks, { region });
}

function create(remotes: Backend[], options: Partial<OffloaderOptions> = {}): Offloader {
  const offloader = createOffloader({ tasks, local: { maxWorkers: 1 }, remotes, ...options });
  live.push(offloader);
  return offloader;
}

describe('cross-region data moves', () => {
  it('are billed into stats().spend when a task runs in another region than its data, and only then', async () => {
    const offloader = create([remoteIn('east', 'us-east-1')], { cost: { crossRegionUsdPerGb: 0.5 } });
    await expect(offloader.run(regional, { place: { region: 'eu-west-1', bytes: GB } }, { placement: 'east' })).resolves.toBe('east');
    await expect(offloader.run(regional, { place: { region: 'us-east-1', bytes: GB } }, { placement: 'east' })).resolves.toBe('east');
    await expect(offloader.run(regional, { place: { region: 'eu-west-1', bytes: GB } }, { placement: 'local' })).resolves.toBe('local');
    const { spend } = offloader.stats();
    expect(spend.totalUsd).toBeCloseTo(0.5, 12);
    expect(spend.crossRegionUsd).toBeCloseTo(0.5, 12);
    expect(spend.byBackend.east).toBeCloseTo(0.5, 12);
  });

  it('count against the budgets: an attempt whose move does not fit is refused, naming the move', async () => {
    const offloader = create([remoteIn('east', 'us-east-1')], { cost: { crossRegionUsdPerGb: 0.5, budgetUsd: 0.75 } });
    const exhausted: BudgetExhaustedInfo[] = [];
    offloader.on('budgetExhausted', (info) => exhausted.push(info));
    const far = { place: { region: 'eu-west-1', bytes: GB } };
    await expect(offloader.run(regional, far, { placement: 'east' })).resolves.toBe('east');
    const refused = await rejectionOf(offloader.run(regional, far, { placement: 'east' }));
    expect(refused).toBeInstanceOf(CapacityError);
    expect(refused).toMatchObject({ code: 'ERR_BUDGET_EXHAUSTED', backend: 'east' });
    expect((refused as Error).message).toContain('to move its data from eu-west-1');
    expect(exhausted).toHaveLength(1);
    // A task whose data is in the remote's region moves nothing and still fits.
    await expect(offloader.run(regional, { place: { region: 'us-east-1', bytes: GB } }, { placement: 'east' })).resolves.toBe('east');
    expect(offloader.stats().spend.totalUsd).toBeCloseTo(0.5, 12);
  });

  it('without `bytes`, move the encoded input: billed at its size, and priced into placement', async () => {
    const usdPerGb = 1024;
    const offloader = create([remoteIn('east', 'us-east-1')], { cost: { crossRegionUsdPerGb: usdPerGb, maxUsdPerTask: 0.05 }, burst: { maxQueueDepth: 0 } });
    const small = { region: 'eu-west-1', data: 'é'.repeat(10_000) };
    const big = { region: 'eu-west-1', data: 'x'.repeat(100_000) };
    const usdOf = (input: unknown) => (Buffer.byteLength(serialize(input, 'input')) / GB) * usdPerGb;
    expect(usdOf(small)).toBeLessThan(0.05);
    expect(usdOf(big)).toBeGreaterThan(0.05);
    await expect(offloader.run(regionalData, small, { placement: 'east' })).resolves.toBe('east');
    expect(offloader.stats().spend.crossRegionUsd).toBeCloseTo(usdOf(small), 12);
    // With the pool saturated, the big input's move is over `maxUsdPerTask`: it stays local; the small one spills.
    const busy = [offloader.run(sleepMs, 20, { placement: 'local' }), offloader.run(sleepMs, 20, { placement: 'local' })];
    const placed = await Promise.all([offloader.run(regionalData, big), offloader.run(regionalData, small)]);
    await Promise.all(busy);
    expect(placed).toEqual(['local', 'east']);
    expect(offloader.stats().spend.crossRegionUsd).toBeCloseTo(2 * usdOf(small), 12);
  });

  it("fail over to a remote in the data's region first, else to the next remote in order", async () => {
    const down = { ...downRemote(), region: 'eu-west-1' };
    const offloader = create([down, remoteIn('far', 'us-east-1'), remoteIn('near', 'eu-west-1')], { retry: { minDelayMs: 0, maxDelayMs: 0 } });
    const next: string[] = [];
    offloader.on('retry', (info) => next.push(info.nextBackend));
    await expect(offloader.run(regional, { place: 'eu-west-1' }, { placement: 'down' })).resolves.toBe('near');
    await expect(offloader.run(regional, { place: 'ap-south-1' }, { placement: 'down' })).resolves.toBe('far');
    await expect(offloader.run(sleepMs, 1, { placement: 'down' })).resolves.toBe(1);
    expect(next).toEqual(['near', 'far', 'far']);
  });
});
