/**
 * Options of `lambda()`, validated once with zod at the edge: an invalid
 * option throws a `ValidationError` naming the field, the value and the fix.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { ValidationError } from '../../src/errors.js';
import { describeZodError, issuePath } from '../../src/zod-issues.js';
import { type LambdaArchitecture, type LambdaPricing, type ResolvedLambdaPricing, resolvePricing } from './pricing.js';

/** Largest request payload of a synchronous (`RequestResponse`) invocation: 6 MB. */
export const LAMBDA_MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

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
   * Region of the function; used only when spillway creates the client.
   * @default the AWS SDK's own resolution (`AWS_REGION`, the shared config file)
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
}

/** Options with every default applied. */
export interface ResolvedLambdaOptions {
  functionName: string;
  qualifier?: string;
  region?: string;
  client?: LambdaClient;
  memoryMb: number;
  architecture: LambdaArchitecture;
  maxConcurrency: number;
  scalingRamp: { environments: number; perMs: number } | false;
  pricing: ResolvedLambdaPricing;
  name: string;
}

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
    architecture: z.enum(['x86_64', 'arm64']).optional(),
    maxConcurrency: z.number().int().min(1).optional(),
    scalingRamp: z.union([z.literal(false), z.object({ environments: z.number().int().min(1), perMs: z.number().min(1) }).strict()]).optional(),
    pricing: z.object({ usdPerGbSecond: nonNegativePrice.optional(), usdPerRequest: nonNegativePrice.optional() }).strict().optional(),
    name: z.string().min(1).max(64).optional(),
  })
  .strict();

/** Validates the options of `lambda()` and applies defaults; throws `ValidationError` on the first invalid field. */
export function resolveLambdaOptions(options: unknown): ResolvedLambdaOptions {
  const parsed = LambdaOptionsSchema.safeParse(options, { reportInput: true });
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ValidationError(`Invalid lambda() options: ${describeZodError('', parsed.error)}`, {
      path: first === undefined ? undefined : issuePath('', first),
    });
  }
  const { data } = parsed;
  const architecture = data.architecture ?? 'x86_64';
  return {
    functionName: data.functionName,
    ...(data.qualifier === undefined ? {} : { qualifier: data.qualifier }),
    ...(data.region === undefined ? {} : { region: data.region }),
    ...(data.client === undefined ? {} : { client: data.client }),
    memoryMb: data.memoryMb ?? 1024,
    architecture,
    maxConcurrency: data.maxConcurrency ?? 100,
    scalingRamp: data.scalingRamp ?? { environments: 1_000, perMs: 10_000 },
    pricing: resolvePricing(architecture, data.pricing),
    name: data.name ?? 'lambda',
  };
}
