/**
 * bench/burst's cloud: the real Functions Framework and serverless-offline
 * (in-process handlers) serving bench/fixtures/burst-remote-tasks.mjs (the
 * `work` task SLEEPS its 20 ms instead of burning this machine's CPU) under
 * the hash of the local module, each wrapped by the cloud model, and a fresh
 * model front per measured run (every run meets a cold fleet).
 *
 * Fleets (the defaults): Cloud Functions gen2, 1 vCPU / 2 GiB,
 * 40-80 ms network, 400-1,200 ms cold starts, 10 min warm; Lambda 1,769 MB
 * (one vCPU) with its scaling rate (1,000 environments per 10 s).
 */
import { Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Backend } from 'spillway';
import { type LambdaBackend, lambda } from 'spillway/aws-lambda';
import { hashTaskModule } from 'spillway/contract';
import {
  type CloudModel,
  type FleetParams,
  type FunctionsFrameworkServer,
  gcfFleet,
  lambdaFleet,
  type ServerlessOffline,
  startCloudModel,
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
  billedUsd(): number;
  /** Cold starts and throttles per fleet so far. */
  summary(): string;
  stop(): Promise<void>;
}

/** The emulators, started once. */
export interface Emulators {
  framework: FunctionsFrameworkServer;
  offline: ServerlessOffline;
  /** Fresh fronts with `seed`, and the adapters on them (Lambda first: the cheaper one for 20 ms tasks). */
  run(seed: number): Promise<RunCloud>;
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
  const run = async (seed: number): Promise<RunCloud> => {
    const fronts: CloudModel[] = await Promise.all([
      startCloudModel({ fleet: FLEETS.lambda, upstream: offline.endpoint, seed }),
      startCloudModel({ fleet: FLEETS.gcf, upstream: framework.url, seed: seed + 1000 }),
    ]);
    // The SDK's default of 50 sockets would queue a spike in the client, not in the fleet.
    const client = new LambdaClient({
      ...offline.clientConfig,
      endpoint: fronts[0].url,
      requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 2 * BACKEND_CONCURRENCY.lambda }) },
    });
    const lambdaBackend: LambdaBackend = lambda({
      functionName: offline.functionName('work'),
      client,
      memoryMb: 1769,
      maxConcurrency: BACKEND_CONCURRENCY.lambda,
    });
    const gcfBackend: CloudFunctionsBackend = cloudFunctions({
      url: `${fronts[1].url}/`,
      auth: 'none',
      pricing: { memoryMb: 2048, vcpu: 1 },
      maxConcurrency: BACKEND_CONCURRENCY.gcf,
    });
    return {
      remotes: [lambdaBackend, gcfBackend],
      billedUsd: () => fronts.reduce((sum, front) => sum + front.state().billedUsd, 0),
      summary: () =>
        fronts
          .map((front) => {
            const state = front.state();
            const throttled = Object.values(state.throttled).reduce((a, b) => a + b, 0);
            return `${front.fleet.name}: ${state.invocations} runs, ${state.coldStarts} cold, ${throttled} throttled`;
          })
          .join('; '),
      stop: async () => {
        client.destroy();
        await Promise.all(fronts.map((front) => front.stop()));
      },
    };
  };
  return { framework, offline, run, stop: async () => void (await Promise.all([framework.stop(), offline.stop()])) };
}

/** `--remote` specs of `spillway simulate` for {@link FLEETS} with the backends' caps. */
export function simulateRemoteSpecs(): string[] {
  const spec = (kind: string, fleet: FleetParams, extra: string): string =>
    `${kind}:${extra}concurrency=${BACKEND_CONCURRENCY[kind as 'lambda' | 'gcf']},network=${fleet.networkMs.join('-')},cold=${fleet.coldStartMs.join('-')},warm=${fleet.warmMs}`;
  return [spec('lambda', FLEETS.lambda, 'memory=1769,'), spec('gcf', FLEETS.gcf, 'memory=2048,cpu=1,')];
}
