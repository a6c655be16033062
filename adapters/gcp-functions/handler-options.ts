/**
 * Options of `createCloudFunctionHandler` / `registerCloudFunction` (the
 * function side), validated once with zod at the edge, defaults beside the
 * schema; a secret's value is never printed.
 */
import * as z from 'zod';
import { invalidOptionsError } from '../../src/backends/invalid-options.js';
import { MAX_PAYLOAD_BYTES, MIN_SIGNING_SECRET_LENGTH, SIGNING_SECRET_ENV } from './protocol.js';
import { DEFAULT_MAX_CLOCK_SKEW_MS } from './signing.js';

/** Options of `createCloudFunctionHandler` and `registerCloudFunction`. */
export interface CloudFunctionHandlerOptions {
  /**
   * Content hash of the caller's task module, which every envelope must
   * carry. Required when the module is passed as a namespace (or set
   * `SPILLWAY_BUNDLE_HASH`); for a module URL it overrides the file's hash.
   * An empty string counts as not given.
   * @default process.env.SPILLWAY_BUNDLE_HASH, else the hash of the module file
   */
  bundleHash?: string | undefined;
  /**
   * Shared secret of HMAC request signing (at least 16 characters). When set,
   * unsigned or wrongly signed requests get 401 and run nothing.
   * @default process.env.SPILLWAY_SIGNING_SECRET, else signing is off
   */
  signingSecret?: string;
  /**
   * Largest request body accepted; a larger one gets 413.
   * @default 33_554_432 (32 MiB)
   */
  maxBodyBytes?: number;
  /**
   * Largest accepted distance between a signed request's timestamp and this clock.
   * @default 300_000 (5 minutes)
   */
  maxClockSkewMs?: number;
}

/** Handler options with defaults and the environment secret applied (see {@link CloudFunctionHandlerOptions} for each field). */
export interface ResolvedHandlerOptions {
  bundleHash?: string;
  signingSecret?: string;
  maxBodyBytes: number;
  maxClockSkewMs: number;
}

const HandlerOptionsSchema = z
  .object({
    bundleHash: z.string().optional(),
    signingSecret: z.string().min(MIN_SIGNING_SECRET_LENGTH).optional(),
    maxBodyBytes: z.number().int().min(1).default(MAX_PAYLOAD_BYTES),
    maxClockSkewMs: z.number().min(0).default(DEFAULT_MAX_CLOCK_SKEW_MS),
  })
  .strict();

/** Validates handler options (an env secret as if passed); throws `ValidationError` naming the first bad field. */
export function resolveHandlerOptions(options: unknown = {}): ResolvedHandlerOptions {
  const envSecret = process.env[SIGNING_SECRET_ENV] || undefined;
  const given = (options ?? {}) as CloudFunctionHandlerOptions;
  const withEnv = typeof given === 'object' && given.signingSecret === undefined && envSecret !== undefined ? { ...given, signingSecret: envSecret } : given;
  const parsed = HandlerOptionsSchema.safeParse(withEnv, { reportInput: true });
  if (!parsed.success) {
    const fromEnv = given.signingSecret === undefined && envSecret !== undefined ? ` (signingSecret read from ${SIGNING_SECRET_ENV})` : '';
    throw invalidOptionsError(`Cloud Function handler options${fromEnv}`, parsed.error);
  }
  const { bundleHash, signingSecret, maxBodyBytes, maxClockSkewMs } = parsed.data;
  return {
    ...(bundleHash === undefined ? {} : { bundleHash }),
    ...(signingSecret === undefined ? {} : { signingSecret }),
    maxBodyBytes,
    maxClockSkewMs,
  };
}
