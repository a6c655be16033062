/**
 * The caller's own time to send one remote attempt on this machine, for
 * `spillway simulate --dispatch-ms`: the modelled cloud adds network and
 * cold starts, but the caller's process (the AWS SDK building and sending
 * each request, and here the in-process serverless-offline answering it)
 * handles a burst of attempts one at a time on one event loop, so the last
 * of a burst leaves it later. Measured against a fleet with no network and
 * no cold start, already warm, with the local pool busy as it is in a spike:
 * N attempts at once take (slowest - fastest) / (N - 1) each.
 */
import { createOffloader } from 'spillway';
import { gcfFleet, lambdaFleet } from 'spillway/dev';
import { type Emulators, FLEETS, LOCAL_TASKS_URL } from './burst-cloud.js';
import { quantile } from './burst-replay.js';
import { work } from './fixtures/burst-tasks.mjs';

const BURST = 200;
const ROUNDS = 3;
/** The bench's fleets with no network and no cold start: what is left of a burst's spread is the caller's. */
const INSTANT = {
  lambda: lambdaFleet({ ...FLEETS.lambda, memoryMb: 1769, networkMs: [0, 0], coldStartMs: [0, 0] }),
  gcf: gcfFleet({ ...FLEETS.gcf, memoryMb: 2048, cpu: 1, networkMs: [0, 0], coldStartMs: [0, 0] }),
};

/** The median over rounds of the per-attempt spread of a burst of {@link BURST} Lambda attempts, ms. */
export async function measureDispatchMs(emulators: Emulators, workers: number): Promise<number> {
  const cloud = await emulators.run(7, INSTANT);
  const offloader = createOffloader({ tasks: LOCAL_TASKS_URL, local: { maxWorkers: workers, minWorkers: workers }, remotes: cloud.remotes });
  const burst = async (): Promise<number> => {
    const start = performance.now();
    // The local pool works through a backlog meanwhile, as in a spike.
    const local = Array.from({ length: 50 }, (_, index) => offloader.run(work, index, { placement: 'local' }));
    const done = await Promise.all(
      Array.from({ length: BURST }, (_, index) => offloader.run(work, index, { placement: 'lambda' }).then(() => performance.now() - start)),
    );
    await Promise.all(local);
    return (Math.max(...done) - Math.min(...done)) / (BURST - 1);
  };
  try {
    await burst(); // starts the environments
    const spreads: number[] = [];
    for (let round = 0; round < ROUNDS; round++) spreads.push(await burst());
    return quantile(spreads, 0.5);
  } finally {
    await offloader.close();
    await cloud.stop();
  }
}
