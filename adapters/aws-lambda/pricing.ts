/**
 * Price facts of a Lambda function, for the scheduler's cost rules. Lambda
 * bills each request plus the run time (rounded up to the millisecond) times
 * the configured memory, and, since 2025-08-01, the INIT phase of a new
 * execution environment at the same rate, capped at 10 s
 * (`../shared/cloud-facts.md`, "INIT (cold start) billing").
 */
import { MAX_BILLED_INIT_MS } from '../../src/contract/cold-start.js';

/** CPU architecture of the deployed function; it sets the price of run time. */
export type LambdaArchitecture = 'x86_64' | 'arm64';

/** Prices of one Lambda function, in US dollars. */
export interface LambdaPricing {
  /**
   * Price of one GB-second of run time.
   * @default 0.0000166667 for x86_64, 0.0000133334 for arm64 (us-east-1 list prices, first tier)
   */
  usdPerGbSecond?: number;
  /**
   * Price of one request.
   * @default 0.0000002 ($0.20 per million)
   */
  usdPerRequest?: number;
}

/** Prices with every default applied. */
export type ResolvedLambdaPricing = Required<LambdaPricing>;

/** us-east-1 list prices of the first tier; other regions and contracts differ, so `pricing` overrides them. */
const LIST_USD_PER_GB_SECOND: Record<LambdaArchitecture, number> = { x86_64: 0.0000166667, arm64: 0.0000133334 };
const LIST_USD_PER_REQUEST = 0.0000002;

/** Applies the list prices of `architecture` to the fields `pricing` leaves out. */
export function resolvePricing(architecture: LambdaArchitecture, pricing: LambdaPricing = {}): ResolvedLambdaPricing {
  return {
    usdPerGbSecond: pricing.usdPerGbSecond ?? LIST_USD_PER_GB_SECOND[architecture],
    usdPerRequest: pricing.usdPerRequest ?? LIST_USD_PER_REQUEST,
  };
}

/**
 * Cost in US dollars of one invocation that ran `durationMs` on a function
 * with `memoryMb` of memory, after an INIT of `initMs` when it started a new
 * execution environment (billed up to 10 s).
 */
export function invocationCostUsd(pricing: ResolvedLambdaPricing, memoryMb: number, durationMs: number, initMs = 0): number {
  const billedSeconds = Math.ceil(Math.max(0, durationMs) + Math.min(Math.max(0, initMs), MAX_BILLED_INIT_MS)) / 1000;
  return pricing.usdPerRequest + (memoryMb / 1024) * billedSeconds * pricing.usdPerGbSecond;
}
