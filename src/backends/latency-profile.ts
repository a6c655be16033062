/**
 * The `latency` option of the cloud adapters: overrides of the priors the
 * scheduler predicts a remote's latency from before it has measured it
 * (cold start, speed factor, warm period, network), validated once with
 * zod, and merged over the adapter's defaults.
 */
import * as z from 'zod';
import type { RemoteLatencyProfile } from '../scheduler/types.js';

/** Overrides of a remote's latency priors; fields left out keep the adapter's defaults. */
export type LatencyProfileOptions = Partial<RemoteLatencyProfile>;

/** Schema of {@link LatencyProfileOptions}. */
export const latencyProfileSchema = z
  .object({
    coldStartMs: z.number().min(0).optional(),
    speedFactor: z.number().positive().optional(),
    warmMs: z.number().min(0).optional(),
    networkMs: z.number().min(0).optional(),
  })
  .strict();

/** `defaults` with the fields of `overrides` that are set. */
export function mergeLatencyProfile(defaults: RemoteLatencyProfile, overrides: LatencyProfileOptions | undefined): RemoteLatencyProfile {
  const merged = { ...defaults };
  for (const key of ['coldStartMs', 'speedFactor', 'warmMs', 'networkMs'] as const) {
    const value = overrides?.[key];
    if (value !== undefined) merged[key] = value;
  }
  return Object.freeze(merged);
}
