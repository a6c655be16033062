/**
 * Options of `lambda()` (the backend; `handler-options.ts` has the function
 * side's), validated once with zod at the edge, defaults beside
 * the schema: an invalid option throws a `ValidationError` naming the field,
 * the value and the expectation.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { parseOptions } from '../../src/backends/invalid-options.js';
import { type LatencyProfileOptions, latencyProfileSchema } from '../../src/backends/latency-profile.js';
import { type PayloadStore, payloadStoreSchema } from '../../src/backends/payload-store.js';
import { MAX_BILLED_INIT_MS } from '../../src/contract/cold-start.js';
import { MAX_TIMEOUT_MS } from '../../src/contract/platform.js';
import { type LambdaArchitecture, type LambdaPricing, type ResolvedLambdaPricing, resolvePricing } from './pricing.js';

/** Options of `lambda()`. */
export interface LambdaOptions {
  /** Name, ARN or partial ARN of the deployed function whose handler is `createLambdaHandler`. */
  functionName: string;
  /**
   * Version or alias to invoke.
   * @default undefined (`$LATEST`)
   */
  qualifier?: string;
  /**
   * Region of the function: the region of the client spillway creates, and
   * what the scheduler compares with a task's `dataRegion` (it prefers a
   * remote in the data's region and prices moving data elsewhere with
   * `cost.crossRegionUsdPerGb`). A function ARN's region counts when this is absent.
   * @default the AWS SDK's own resolution (`AWS_REGION`, the shared config file) for the client; unknown to the scheduler
   */
  region?: string;
  /**
   * A client of your own (custom credentials, endpoint or HTTP agent). Create
   * it with `maxAttempts: 1`: spillway retries and fails over by itself, and
   * the SDK's default of 3 attempts would multiply every spillway attempt.
   * spillway never destroys a client it did not create.
   * @default new LambdaClient({ region, maxAttempts: 1 })
   */
  client?: LambdaClient;
  /**
   * Memory configured for the function, in MB (128-10240); used for cost estimates.
   * @default 1024
   */
  memoryMb?: number;
  /**
   * The function's timeout as deployed (its `Timeout`, 1-900 s): the
   * longest one invocation can run and be billed. Budgets reserve this much
   * run time for an attempt without a task `timeoutMs` until it settles, so
   * the deployed value (`spillway deploy lambda` uses 60) lets more attempts fit.
   * @default 900 (Lambda's largest timeout)
   */
  timeoutSeconds?: number;
  /**
   * CPU architecture of the function; sets the default price of run time.
   * @default 'x86_64'
   */
  architecture?: LambdaArchitecture;
  /**
   * Invocations in flight at once; more wait in this backend's queue. Keep it
   * at or below the function's reserved concurrency (or the account's
   * unreserved concurrency) to avoid throttling.
   * @default 100
   */
  maxConcurrency?: number;
  /**
   * Lambda's scaling rate: each function adds at most 1,000 execution
   * environments per 10 s. Invocations beyond the most ever in flight wait
   * for this budget, so a burst ramps up instead of being throttled. `false`
   * turns the ramp off.
   * @default { environments: 1000, perMs: 10_000 }
   */
  scalingRamp?: { environments: number; perMs: number } | false;
  /**
   * Prices of the function, in US dollars.
   * @default us-east-1 list prices for `architecture`
   */
  pricing?: LambdaPricing;
  /**
   * Name of the backend in results, events, stats and `placement`.
   * @default 'lambda'
   */
  name?: string;
  /**
   * Where inputs and outputs over Lambda's 6 MB limit travel by reference
   * (presigned URLs), e.g. `s3PayloadStore({ bucket, prefix })`. Without
   * one, such an input is refused with `PayloadTooLargeError` before it is sent.
   * @default undefined
   */
  payloadStore?: PayloadStore;
  /**
   * Priors of the scheduler's latency prediction for this function, each
   * then learned from its answers: `coldStartMs` (INIT of a new
   * environment), `speedFactor` (run time here / run time on the local
   * pool), `warmMs` (how long an idle environment stays warm), `networkMs`.
   * @default { coldStartMs: 300, speedFactor: max(1, 1769 / memoryMb), warmMs: 600_000, networkMs: 40 } (see `lambdaLatencyProfile`)
   */
  latency?: LatencyProfileOptions;
  /**
   * Wall time after which an attempt without `timeoutMs` that has not
   * answered counts as stalled: a `stall` event naming this backend (once
   * per attempt, reported only: the function keeps running until it answers
   * or its own timeout) and `stats().backends[name].stalls`. A task's own
   * `stallAfterMs` overrides it.
   * @default 10 × the p99 wall time of the task's answered attempts here (else its local p99), at least 30_000
   */
  stallAfterMs?: number;
  /**
   * The longest INIT (cold start) one attempt here can be billed for, ms.
   * Budgets reserve it on top of the attempt's run-time bound until the
   * attempt settles, so a cold start never pushes billed spend past
   * `cost.budgetUsd`: Lambda bills the INIT phase of on-demand functions
   * since 2025-08-01, capped at 10 s (`../shared/cloud-facts.md`). Set 0
   * where no INIT is billed (provisioned concurrency, SnapStart, a local
   * emulator), or a figure your function's INIT is known to stay under.
   * @default 10_000
   */
  maxBilledColdStartMs?: number;
}

/** Options with every default applied. */
export interface ResolvedLambdaOptions {
  functionName: string;
  qualifier?: string;
  region?: string;
  client?: LambdaClient;
  memoryMb: number;
  timeoutSeconds: number;
  architecture: LambdaArchitecture;
  maxConcurrency: number;
  scalingRamp: { environments: number; perMs: number } | false;
  pricing: ResolvedLambdaPricing;
  name: string;
  payloadStore?: PayloadStore;
  latency?: LatencyProfileOptions;
  stallAfterMs?: number;
  maxBilledColdStartMs: number;
}

/** Defaults of {@link LambdaOptions}. */
const DEFAULTS = {
  memoryMb: 1024,
  timeoutSeconds: 900,
  architecture: 'x86_64',
  maxConcurrency: 100,
  scalingRamp: { environments: 1_000, perMs: 10_000 },
  name: 'lambda',
  maxBilledColdStartMs: MAX_BILLED_INIT_MS,
} as const;

const nonNegativePrice = z.number().min(0).max(1);

const LambdaOptionsSchema = z
  .object({
    functionName: z.string().min(1).max(170),
    qualifier: z
      .string()
      .regex(/^[A-Za-z0-9$_-]{1,128}$/, { error: 'expected a version number, `$LATEST` or an alias name' })
      .optional(),
    region: z.string().min(1).optional(),
    client: z
      .custom<LambdaClient>((value) => typeof (value as { send?: unknown } | null)?.send === 'function', {
        error: 'expected a LambdaClient from @aws-sdk/client-lambda, e.g. new LambdaClient({ region, maxAttempts: 1 })',
      })
      .optional(),
    memoryMb: z.number().int().min(128).max(10_240).optional(),
    timeoutSeconds: z.number().int().min(1).max(900).optional(),
    architecture: z.enum(['x86_64', 'arm64']).optional(),
    maxConcurrency: z.number().int().min(1).optional(),
    scalingRamp: z.union([z.literal(false), z.object({ environments: z.number().int().min(1), perMs: z.number().min(1) }).strict()]).optional(),
    pricing: z.object({ usdPerGbSecond: nonNegativePrice.optional(), usdPerRequest: nonNegativePrice.optional() }).strict().optional(),
    name: z.string().min(1).max(64).optional(),
    payloadStore: payloadStoreSchema.optional(),
    latency: latencyProfileSchema.optional(),
    stallAfterMs: z.number().min(1).max(MAX_TIMEOUT_MS).optional(),
    maxBilledColdStartMs: z.number().min(0).max(MAX_BILLED_INIT_MS).optional(),
  })
  .strict();

/** Validates the options of `lambda()` and applies defaults; throws `ValidationError` naming every invalid field. */
export function resolveLambdaOptions(options: unknown): ResolvedLambdaOptions {
  const data = parseOptions(LambdaOptionsSchema, options, 'lambda() options');
  const architecture = data.architecture ?? DEFAULTS.architecture;
  return {
    functionName: data.functionName,
    ...(data.qualifier === undefined ? {} : { qualifier: data.qualifier }),
    ...(data.region === undefined ? {} : { region: data.region }),
    ...(data.client === undefined ? {} : { client: data.client }),
    memoryMb: data.memoryMb ?? DEFAULTS.memoryMb,
    timeoutSeconds: data.timeoutSeconds ?? DEFAULTS.timeoutSeconds,
    architecture,
    maxConcurrency: data.maxConcurrency ?? DEFAULTS.maxConcurrency,
    scalingRamp: data.scalingRamp ?? { ...DEFAULTS.scalingRamp },
    pricing: resolvePricing(architecture, data.pricing),
    name: data.name ?? DEFAULTS.name,
    ...(data.payloadStore === undefined ? {} : { payloadStore: data.payloadStore }),
    ...(data.latency === undefined ? {} : { latency: data.latency }),
    ...(data.stallAfterMs === undefined ? {} : { stallAfterMs: data.stallAfterMs }),
    maxBilledColdStartMs: data.maxBilledColdStartMs ?? DEFAULTS.maxBilledColdStartMs,
  };
}
