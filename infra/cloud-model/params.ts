/**
 * The cloud model's parameters, in one place, with the published figures they
 * come from (../shared/cloud-facts.md gathers them with their sources). Where
 * that sheet says "not found", the figure is a parameter and the choice made
 * here is stated next to it. The live model (front.ts + environment.ts, in
 * front of the real emulators) and the simulator (infra/simulate) both read
 * a {@link FleetParams} built here, so they model the same fleet.
 */

/** A function fleet, as parameters: how a request is admitted, how long it takes, what it bills. */
export interface FleetParams {
  /** Backend name, as the scheduler sees it. */
  name: string;
  /** Which cloud's front end answers: Lambda throttles at once, Cloud Run queues first. */
  cloud: 'lambda' | 'gcf';
  /** Execution environments (instances) at most; each serves one request at a time. */
  maxConcurrency: number;
  /** Run time there = local CPU time x this, served as wall time. */
  speedFactor: number;
  /** Round trip added to every request, ms, drawn uniformly from `[min, max]`. */
  networkMs: readonly [number, number];
  /** Start (INIT) of a new execution environment, ms, drawn uniformly from `[min, max]`. */
  coldStartMs: readonly [number, number];
  /** An environment idle longer than this is reclaimed, ms. */
  warmMs: number;
  /** New environments per `scalePerMs` at most (a token bucket refilled continuously, never above this); Infinity: no rate. */
  scaleEnvironments: number;
  /** The scaling rate's window, ms. */
  scalePerMs: number;
  /** How long a request waits for a free instance at `maxConcurrency` before a 429, ms (0: throttled at once). */
  queueTimeoutMs: number;
  /** Price of one billed ms, USD. */
  usdPerMs: number;
  /** Price of one request, USD (throttled requests are not billed). */
  usdPerRequest: number;
  /** Billed time is rounded up to a multiple of this, ms. */
  billingIncrementMs: number;
  /** A cold start's INIT time is billed too. */
  billsInit: boolean;
}

/** Lambda: one vCPU at 1,769 MB, CPU proportional to memory (configuration-memory). */
const LAMBDA_MB_PER_VCPU = 1769;
/** Lambda x86_64 duration price, us-east-1 first tier, USD per GB-s (pricing whitepaper). */
const LAMBDA_USD_PER_GB_SECOND = 0.0000166667;
/** Lambda request price, USD ($0.20 per million). */
const LAMBDA_USD_PER_REQUEST = 0.0000002;
/** Lambda scaling: 1,000 environments per 10 s per function, refilled continuously, not accrued (scaling-behavior, since 2023-11-26). */
const LAMBDA_SCALE = { environments: 1000, perMs: 10_000 };
/** Lambda account concurrency: 1,000 per region by default (gettingstarted-limits). */
const LAMBDA_ACCOUNT_CONCURRENCY = 1000;
/** Lambda Node.js INIT, ms: p50 200-350, p99 0.6-1 s (measured/claimed, edjgeek.com); the draw spans 200-1,000. */
const LAMBDA_COLD_START_MS: [number, number] = [200, 1000];

/** Cloud Run request-based Tier 1 prices (cloud.google.com/run/pricing; firebase-tools pricing.ts). */
const GCF_USD_PER_VCPU_SECOND = 0.000024;
const GCF_USD_PER_GIB_SECOND = 0.0000025;
const GCF_USD_PER_REQUEST = 0.0000004;
/** Cloud Run bills per 100 ms, including container startup (billing-settings). */
const GCF_BILLING_INCREMENT_MS = 100;
/** Cloud Run at max instances: requests queue up to 10 s (older doc) or max(3.5 x startup, 10 s), then 429. */
const GCF_QUEUE_TIMEOUT_MS = 10_000;
/**
 * Max instances: sources disagree (100 in the older Cloud Run doc, derived
 * from quota in the current one). Chosen: 100.
 */
const GCF_MAX_INSTANCES = 100;
/**
 * Cold start of a Cloud Run function: Google publishes none; measured 2-7 s
 * (Cloud Run, 2024) and 1-3 s (1st gen, 2019). Chosen: 400-1,200 ms, the
 * issue's benchmark figure (a small bundle); pass `coldStartMs` for others.
 */
const GCF_COLD_START_MS: [number, number] = [400, 1200];

/**
 * Network round trip client -> function, same region: no provider figure.
 * Measured warm latency 25 ms (AWS) and 79 ms (Google) in 2018 (Wang et al.).
 * Chosen: Lambda 20-60 ms, Cloud Functions 40-80 ms (the figure).
 */
const LAMBDA_NETWORK_MS: [number, number] = [20, 60];
const GCF_NETWORK_MS: [number, number] = [40, 80];
/**
 * Idle lifetime of an environment: published by neither cloud; measured
 * about 10 min (Lambda, 2019) and 3 min to 5 h (1st gen). Chosen: 10 min.
 */
const WARM_MS = 600_000;

/** Overrides of {@link lambdaFleet}. */
export interface LambdaFleetOptions extends Partial<Omit<FleetParams, 'cloud' | 'usdPerMs' | 'usdPerRequest' | 'billingIncrementMs'>> {
  /** Memory, MB (128-10,240). @default 1024 */
  memoryMb?: number;
}

/** Overrides of {@link gcfFleet}. */
export interface GcfFleetOptions extends Partial<Omit<FleetParams, 'cloud' | 'usdPerMs' | 'usdPerRequest' | 'billingIncrementMs'>> {
  /** Memory, MiB. @default 2048 */
  memoryMb?: number;
  /** vCPUs. @default 1 */
  cpu?: number;
}

/**
 * A Lambda fleet: speed 1,769 / memory (one vCPU at 1,769 MB; a
 * single-threaded task gains nothing above), billed per ms including INIT
 * (since 2025-08-01), throttled at once (429 `TooManyRequestsException`)
 * past its concurrency or its scaling rate.
 */
export function lambdaFleet(options: LambdaFleetOptions = {}): FleetParams {
  const { memoryMb = 1024, ...rest } = options;
  return {
    name: 'lambda',
    cloud: 'lambda',
    maxConcurrency: LAMBDA_ACCOUNT_CONCURRENCY,
    speedFactor: Math.max(1, LAMBDA_MB_PER_VCPU / memoryMb),
    networkMs: LAMBDA_NETWORK_MS,
    coldStartMs: LAMBDA_COLD_START_MS,
    warmMs: WARM_MS,
    scaleEnvironments: LAMBDA_SCALE.environments,
    scalePerMs: LAMBDA_SCALE.perMs,
    queueTimeoutMs: 0,
    ...rest,
    usdPerMs: ((memoryMb / 1024) * LAMBDA_USD_PER_GB_SECOND) / 1000,
    usdPerRequest: LAMBDA_USD_PER_REQUEST,
    billingIncrementMs: 1,
    billsInit: true,
  };
}

/**
 * A Cloud Functions gen2 (Cloud Run functions) fleet: speed 1 / vCPU (at
 * least 1), one request per instance (the `gcloud functions deploy`
 * default), billed per 100 ms including startup, requests at max instances
 * queue 10 s then get a 429. Google publishes no scaling rate: none is applied.
 */
export function gcfFleet(options: GcfFleetOptions = {}): FleetParams {
  const { memoryMb = 2048, cpu = 1, ...rest } = options;
  return {
    name: 'gcf',
    cloud: 'gcf',
    maxConcurrency: GCF_MAX_INSTANCES,
    speedFactor: Math.max(1, 1 / cpu),
    networkMs: GCF_NETWORK_MS,
    coldStartMs: GCF_COLD_START_MS,
    warmMs: WARM_MS,
    scaleEnvironments: Number.POSITIVE_INFINITY,
    scalePerMs: 1,
    queueTimeoutMs: GCF_QUEUE_TIMEOUT_MS,
    ...rest,
    usdPerMs: (cpu * GCF_USD_PER_VCPU_SECOND + (memoryMb / 1024) * GCF_USD_PER_GIB_SECOND) / 1000,
    usdPerRequest: GCF_USD_PER_REQUEST,
    billingIncrementMs: GCF_BILLING_INCREMENT_MS,
    billsInit: true,
  };
}
