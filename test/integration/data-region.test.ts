// Data locality through the public API (issue 14, part 1): a task's
// `dataRegion(input)` makes the scheduler prefer a remote in the data's
// region, and moving the data to a remote elsewhere is priced with
// `cost.crossRegionUsdPerGb` (so `cost.maxUsdPerTask` can refuse it). The
// remotes are custom backends in this process that run real envelopes
// through the shared runtime; the local pool is saturated by two local tasks
// submitted first (`burst.maxQueueDepth: 0`), so placement needs no clock.
import { afterEach, describe, expect, it } from 'vitest';
import { type Backend, type CostPolicy, createOffloader, type Offloader } from '../../src/index.js';
import * as fixtureTasks from '../fixtures/affinity-tasks.js';
import { regional, sleepMs } from '../fixtures/affinity-tasks.js';
import { inProcessRemote } from '../support/in-process-remote.js';

const tasks = new URL('../fixtures/affinity-tasks.ts', import.meta.url);
const live: Offloader[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((offloader) => offloader.destroy()));
});

/** A remote in `region` that runs envelopes in this process; tasks read its name as `context.backend`. */
function remoteIn(name: string, region: string): Backend {
  return inProcessRemote(name, tasks, fixtureTasks, { invokedFunction: { name, provider: 'test', region } });
}

/** Runs `regional` over `places` while the one local worker is busy, and says where each ran. */
async function placeAll(remotes: Backend[], places: Parameters<typeof regional>[0]['place'][], cost: CostPolicy = {}): Promise<string[]> {
  const offloader = createOffloader({ tasks, local: { maxWorkers: 1 }, remotes, burst: { maxQueueDepth: 0 }, cost });
  live.push(offloader);
  const busy = [offloader.run(sleepMs, 20, { placement: 'local' }), offloader.run(sleepMs, 20, { placement: 'local' })];
  const ran = await Promise.all(places.map((place) => offloader.run(regional, { place })));
  await Promise.all(busy);
  return ran;
}

describe('dataRegion', () => {
  it('prefers a remote in the data`s region, whatever the order of `remotes`', async () => {
    const remotes = [remoteIn('east', 'us-east-1'), remoteIn('west', 'eu-west-1')];
    expect(await placeAll(remotes, ['eu-west-1', 'us-east-1', 'ap-south-1'])).toEqual(['west', 'east', 'east']);
  });

  it('prices moving the data to another region: over `maxUsdPerTask` the remote is not eligible and the task stays local', async () => {
    const east = [remoteIn('east', 'us-east-1')];
    const gb = 2 ** 30;
    // 1 GB at the default $0.02/GB is over the $0.01 cap; 1 MB is not.
    expect(
      await placeAll(
        east,
        [
          { region: 'eu-west-1', bytes: gb },
          { region: 'eu-west-1', bytes: gb / 1024 },
        ],
        { maxUsdPerTask: 0.01 },
      ),
    ).toEqual(['local', 'east']);
    // An overridden price: $0.005/GB brings 1 GB under the cap; in the same region moving data is free.
    expect(await placeAll(east, [{ region: 'eu-west-1', bytes: gb }], { maxUsdPerTask: 0.01, crossRegionUsdPerGb: 0.005 })).toEqual(['east']);
    expect(await placeAll(east, [{ region: 'us-east-1', bytes: 100 * gb }], { maxUsdPerTask: 0.01 })).toEqual(['east']);
  });
});
