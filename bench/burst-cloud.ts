/**
 * bench/burst's cloud: the real Functions Framework and serverless-offline
 * (in-process handlers) serving bench/fixtures/burst-remote-tasks.mjs (the
 * `work` task SLEEPS its 20 ms instead of burning this machine's CPU) under
 * the hash of the local module, each wrapped by the cloud model, and a fresh
 * model front per measured run (every run meets a cold fleet). The fronts run
 * in a child process (bench/fixtures/cloud-fronts.mjs), off the measured
 * caller's event loop.
 *
 * Fleets (the defaults): Cloud Functions gen2, 1 vCPU / 2 GiB,
 * 40-80 ms network, 400-1,200 ms cold starts, 10 min warm; Lambda 1,769 MB
 * (one vCPU) with its scaling rate (1,000 environments per 10 s).
 */
import { fork } from 'node:child_process';
import { Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Backend } from 'spillway';
import { type LambdaBackend, lambda } from 'spillway/aws-lambda';
import { hashTaskModule } from 'spillway/contract';
import {
  type FleetParams,
  type FleetState,
  type FunctionsFrameworkServer,
  gcfFleet,
  lambdaFleet,
  type ServerlessOffline,
  startFunctionsFramework,
  startServerlessOffline,
} from 'spillway/dev';
import { type CloudFunctionsBackend, cloudFunctions } from 'spillway/gcp-functions';

export const LOCAL_TASKS_URL = new URL('./fixtures/burst-tasks.mjs', import.meta.url);
const REMOTE_TASKS_URL = new URL('./fixtures/burst-remote-tasks.mjs', import.meta.url);

/** The fleets; the backends' in-flight caps: Lambda takes a whole spike, Cloud Functions its 100 instances. */
export const FLEETS = {
  lambda: lambdaFleet({ memoryMb: 1769, maxConcurrency: 1000 }),
  gcf: gcfFleet({ memoryMb: 2048, cpu: 1, networkMs: [40, 80], coldStartMs: [400, 1200], warmMs: 600_000 }),
};
export const BACKEND_CONCURRENCY = { lambda: 500, gcf: 100 };

/** One measured run's remotes: fresh fronts (cold fleets) and the adapters on them. */
export interface RunCloud {
  remotes: Backend[];
  /** Billed by the fronts so far, USD (the cloud's bill). */
  billedUsd(): Promise<number>;
  /** Cold starts and throttles per fleet so far. */
  summary(): Promise<string>;
  stop(): Promise<void>;
}

/** The emulators, started once. */
export interface Emulators {
  framework: FunctionsFrameworkServer;
  offline: ServerlessOffline;
  /** Fresh fronts with `seed`, and the adapters on them (Lambda first: the cheaper one for 20 ms tasks); `fleets` default to {@link FLEETS}. */
  run(seed: number, fleets?: typeof FLEETS): Promise<RunCloud>;
  stop(): Promise<void>;
}

/** Starts both emulators. */
export async function startEmulators(): Promise<Emulators> {
  const env = { SPILLWAY_TASKS_URL: REMOTE_TASKS_URL.href, SPILLWAY_BUNDLE_HASH: hashTaskModule(LOCAL_TASKS_URL) };
  const [framework, offline] = await Promise.all([
    startFunctionsFramework({ source: fileURLToPath(new URL('./fixtures/model-gcf-entry.mjs', import.meta.url)), env }),
    startServerlessOffline({
      functions: { work: { entry: new URL('./fixtures/model-lambda-entry.mjs', import.meta.url), environment: env } },
      inProcess: true,
    }),
  ]);
  const fronts = startFrontProcess();
  const run = async (seed: number, fleets = FLEETS): Promise<RunCloud> => {
    const started = await Promise.all([
      fronts.call<{ key: number; url: string }>({ op: 'start', fleet: fleets.lambda, upstream: offline.endpoint, seed }),
      fronts.call<{ key: number; url: string }>({ op: 'start', fleet: fleets.gcf, upstream: framework.url, seed: seed + 1000 }),
    ]);
    // The SDK's default of 50 sockets would queue a spike in the client, not in the fleet.
    const client = new LambdaClient({
      ...offline.clientConfig,
      endpoint: started[0].url,
      requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 2 * BACKEND_CONCURRENCY.lambda }) },
    });
    const lambdaBackend: LambdaBackend = lambda({
      functionName: offline.functionName('work'),
      client,
      memoryMb: 1769,
      maxConcurrency: BACKEND_CONCURRENCY.lambda,
      // The model's INIT never exceeds its range's top: that is the bound to reserve.
      maxBilledColdStartMs: fleets.lambda.coldStartMs[1],
    });
    const gcfBackend: CloudFunctionsBackend = cloudFunctions({
      url: `${started[1].url}/`,
      auth: 'none',
      pricing: { memoryMb: 2048, vcpu: 1 },
      maxConcurrency: BACKEND_CONCURRENCY.gcf,
      maxBilledColdStartMs: fleets.gcf.coldStartMs[1],
    });
    const states = () => Promise.all(started.map(({ key }) => fronts.call<FleetState>({ op: 'state', key })));
    return {
      remotes: [lambdaBackend, gcfBackend],
      billedUsd: async () => (await states()).reduce((sum, state) => sum + state.billedUsd, 0),
      summary: async () =>
        (await states())
          .map((state, index) => {
            const throttled = Object.values(state.throttled).reduce((a, b) => a + b, 0);
            return `${index === 0 ? 'lambda' : 'gcf'}: ${state.invocations} runs, ${state.coldStarts} cold, ${throttled} throttled`;
          })
          .join('; '),
      stop: async () => {
        client.destroy();
        await Promise.all(started.map(({ key }) => fronts.call({ op: 'stop', key })));
      },
    };
  };
  const stop = async (): Promise<void> => {
    fronts.close();
    await Promise.all([framework.stop(), offline.stop()]);
  };
  return { framework, offline, run, stop };
}

/** The child process running the model fronts (bench/fixtures/cloud-fronts.mjs), as request/response calls. */
function startFrontProcess(): { call<T>(message: Record<string, unknown>): Promise<T>; close(): void } {
  const child = fork(fileURLToPath(new URL('./fixtures/cloud-fronts.mjs', import.meta.url)), [], { serialization: 'advanced', stdio: 'inherit' });
  const pending = new Map<number, { resolve: (value: never) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error === undefined) waiter?.resolve(message.result as never);
    else waiter?.reject(new Error(message.error));
  });
  return {
    call: <T>(message: Record<string, unknown>) =>
      new Promise<T>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve: resolve as (value: never) => void, reject });
        child.send({ ...message, id });
      }),
    close: () => child.disconnect(),
  };
}

/**
 * `--remote` specs of `spillway simulate` for {@link FLEETS} with the
 * backends' caps; each fleet's network range widened by `transportMs` (what
 * this machine's stand-ins add to an attempt: low end, high end), if given.
 */
export function simulateRemoteSpecs(transportMs?: Record<keyof typeof FLEETS, readonly [number, number]>): string[] {
  const spec = (kind: keyof typeof FLEETS, fleet: FleetParams, extra: string): string => {
    const [low, high] = transportMs?.[kind] ?? [0, 0];
    const network = `${(fleet.networkMs[0] + low).toFixed(1)}-${(fleet.networkMs[1] + high).toFixed(1)}`;
    return `${kind}:${extra}concurrency=${BACKEND_CONCURRENCY[kind]},network=${network},cold=${fleet.coldStartMs.join('-')},warm=${fleet.warmMs}`;
  };
  return [spec('lambda', FLEETS.lambda, 'memory=1769,'), spec('gcf', FLEETS.gcf, 'memory=2048,cpu=1,')];
}
