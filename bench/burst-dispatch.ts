/**
 * What this machine's caller and stand-ins add to every remote attempt, for
 * `spillway simulate`, measured against the bench's fleets with no network
 * and no cold start, already warm, with the local pool busy as it is in a
 * burst:
 *
 * - `dispatchMs` (`--dispatch-ms`): the caller's own time to send one
 *   attempt. The caller's process (the AWS SDK building and sending each
 *   request, and here the in-process serverless-offline answering it)
 *   handles a burst of attempts one at a time on one event loop, so the last
 *   of a burst leaves it later: N attempts at once take
 *   (slowest - fastest) / (N - 1) each.
 * - `transportMs`, per fleet: one attempt's latency less its run time there
 *   (the HTTP stack, the emulator and the model front on 127.0.0.1), as the
 *   10th and 90th percentiles of single attempts one after another. The
 *   simulator's network range is the model's plus this (a real cloud's
 *   network figure includes its own stack; the stand-ins' is extra).
 */
import { createOffloader } from 'spillway';
import { gcfFleet, lambdaFleet } from 'spillway/dev';
import { type Emulators, FLEETS, LOCAL_TASKS_URL } from './burst-cloud.js';
import { quantile } from './burst-replay.js';
import { work } from './fixtures/burst-tasks.mjs';

/** A burst the size of bench/burst's spikes (500 at once): the per-attempt time grows with the burst. */
const BURST = 500;
const ROUNDS = 3;
/** The bench's fleets with no network and no cold start: what is left of a burst's spread is the caller's. */
const INSTANT = {
  lambda: lambdaFleet({ ...FLEETS.lambda, memoryMb: 1769, networkMs: [0, 0], coldStartMs: [0, 0] }),
  gcf: gcfFleet({ ...FLEETS.gcf, memoryMb: 2048, cpu: 1, networkMs: [0, 0], coldStartMs: [0, 0] }),
};

/** What {@link measureCallerCosts} measured. */
export interface CallerCosts {
  dispatchMs: number;
  transportMs: Record<keyof typeof FLEETS, [number, number]>;
}

/** Single attempts per fleet for `transportMs`. */
const SINGLES = 40;

/** The median over rounds of the per-attempt spread of a burst of {@link BURST} Lambda attempts, and each fleet's transport, ms. */
export async function measureCallerCosts(emulators: Emulators, workers: number): Promise<CallerCosts> {
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
  const transport = async (placement: keyof typeof FLEETS): Promise<[number, number]> => {
    const local = Array.from({ length: 2 * SINGLES }, (_, index) => offloader.run(work, index, { placement: 'local' }));
    const extraMs: number[] = [];
    for (let index = 0; index < SINGLES; index++) {
      const start = performance.now();
      let runMs = 0;
      await offloader.run(work, index, { placement, onSuccess: (_result, info) => (runMs = info.runMs) });
      extraMs.push(performance.now() - start - runMs);
    }
    await Promise.all(local);
    return [quantile(extraMs, 0.1), quantile(extraMs, 0.9)];
  };
  try {
    await burst(); // starts the environments
    const spreads: number[] = [];
    for (let round = 0; round < ROUNDS; round++) spreads.push(await burst());
    return { dispatchMs: quantile(spreads, 0.5), transportMs: { lambda: await transport('lambda'), gcf: await transport('gcf') } };
  } finally {
    await offloader.close();
    await cloud.stop();
  }
}
