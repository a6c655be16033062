/**
 * Price facts of a Cloud Function, for the scheduler's cost rules. The
 * defaults are Cloud Run functions (2nd gen) Tier 1 list prices for the
 * default instance size (256 MiB, 0.167 vCPU), request-based billing.
 */

/** What one attempt on the function costs. Every field has a default. */
export interface CloudFunctionsPricing {
  /**
   * Memory of one instance.
   * @default 256
   */
  memoryMb: number;
  /**
   * vCPUs of one instance.
   * @default 0.167
   */
  vcpu: number;
  /**
   * Price of one invocation in USD.
   * @default 0.0000004 ($0.40 per million)
   */
  usdPerInvocation: number;
  /**
   * Price of one vCPU-second in USD.
   * @default 0.000024
   */
  usdPerVcpuSecond: number;
  /**
   * Price of one GiB-second of memory in USD.
   * @default 0.0000025
   */
  usdPerGibSecond: number;
  /**
   * Billing granularity: run time is rounded up to a multiple of this.
   * @default 100
   */
  billingIncrementMs: number;
}

/** The default {@link CloudFunctionsPricing}. */
export const DEFAULT_PRICING: Readonly<CloudFunctionsPricing> = Object.freeze({
  memoryMb: 256,
  vcpu: 0.167,
  usdPerInvocation: 0.0000004,
  usdPerVcpuSecond: 0.000024,
  usdPerGibSecond: 0.0000025,
  billingIncrementMs: 100,
});

/**
 * Estimated price in USD of one attempt that ran `durationMs` on an instance
 * priced by `pricing`, after `startupMs` of container startup when it
 * started a new instance: request-based billing counts startup as billed
 * instance time (`../shared/cloud-facts.md`, "Request-based billing").
 */
export function estimateCostUsd(pricing: Readonly<CloudFunctionsPricing>, durationMs: number, startupMs = 0): number {
  const increment = pricing.billingIncrementMs;
  const instanceMs = Math.max(durationMs, 0) + Math.max(startupMs, 0);
  const billedSeconds = (increment > 0 ? Math.ceil(instanceMs / increment) * increment : instanceMs) / 1000;
  return pricing.usdPerInvocation + billedSeconds * (pricing.vcpu * pricing.usdPerVcpuSecond + (pricing.memoryMb / 1024) * pricing.usdPerGibSecond);
}
