/**
 * Options of `cloudFunctions()` (the backend; `handler-options.ts` has the
 * function side's), validated once with zod at the edge, defaults beside the schema. An
 * invalid option throws a `ValidationError` naming the field, the value and
 * the expectation; a secret's value is never printed.
 */
import * as z from 'zod';
import { parseOptions } from '../../src/backends/invalid-options.js';
import { type LatencyProfileOptions, latencyProfileSchema } from '../../src/backends/latency-profile.js';
import { type PayloadStore, payloadStoreSchema } from '../../src/backends/payload-store.js';
import { MAX_TIMEOUT_MS } from '../../src/contract/platform.js';
import type { CloudFunctionsAuth } from './auth.js';
import type { GoogleAuthLike } from './google-id-token.js';
import { type CloudFunctionsPricing, DEFAULT_PRICING } from './pricing.js';
import { MAX_PAYLOAD_BYTES, MIN_SIGNING_SECRET_LENGTH } from './protocol.js';

/** Options of `cloudFunctions()`. */
export interface CloudFunctionsOptions {
  /** HTTPS URL of the deployed function (http is accepted for local emulators), e.g. `https://europe-west1-my-project.cloudfunctions.net/spillway`. */
  url: string | URL;
  /**
   * How requests are authorized: a Google ID token for `audience` from
   * Application Default Credentials, nothing, or a function returning headers.
   * @default 'google-id-token'
   */
  auth?: CloudFunctionsAuth;
  /**
   * Audience of the Google ID token (`auth: 'google-id-token'` only).
   * @default url
   */
  audience?: string;
  /**
   * Source of ID tokens (`auth: 'google-id-token'` only), for a `GoogleAuth`
   * with explicit credentials, e.g. `new GoogleAuth({ keyFile })`.
   * @default new GoogleAuth()
   */
  googleAuth?: GoogleAuthLike;
  /**
   * How many attempts may be in flight at once; more wait in this backend's
   * queue (in call order) until one settles.
   * @default 100
   */
  maxConcurrency?: number;
  /**
   * Client-side limit of one HTTP call, in milliseconds. It never cuts an
   * attempt with a longer task `timeoutMs`: the call may last that plus 10 s.
   * When it expires the attempt fails with a retryable `BackendError`
   * (`ERR_BACKEND_TIMEOUT`).
   * @default 60_000
   */
  timeoutMs?: number;
  /**
   * The function's own timeout as deployed (1-3600 s): the longest one
   * request can run and be billed, even after the client stopped waiting.
   * Budgets reserve this much run time for an attempt without a task
   * `timeoutMs` until it settles, so the deployed value (`spillway deploy
   * gcf` uses 60) lets more attempts fit.
   * @default 3600 (the largest timeout of an HTTP function, 2nd gen)
   */
  timeoutSeconds?: number;
  /**
   * Largest encoded envelope sent; a larger one is refused before sending
   * with `PayloadTooLargeError`. Lower it for 1st gen functions (10 MB).
   * @default 33_554_432 (32 MiB)
   */
  maxPayloadBytes?: number;
  /**
   * Price facts for cost rules; fields not given keep their defaults.
   * @default Cloud Run functions Tier 1 list prices at 256 MiB / 0.167 vCPU
   */
  pricing?: Partial<CloudFunctionsPricing>;
  /**
   * Name of this backend in results, events, stats and `placement`.
   * @default 'gcf'
   */
  name?: string;
  /**
   * Shared secret for HMAC request signing (at least 16 characters); give the
   * handler the same one. Off when absent.
   * @default undefined
   */
  signingSecret?: string;
  /**
   * Region the function runs in, such as `europe-west1`: the scheduler
   * prefers a remote in a task's `dataRegion` and prices moving data to
   * another region (`cost.crossRegionUsdPerGb`).
   * @default the region in a `https://REGION-PROJECT.cloudfunctions.net/...` URL, else unknown
   */
  region?: string;
  /**
   * Where inputs and outputs over `maxPayloadBytes` travel by reference
   * (signed URLs), e.g. `gcsPayloadStore({ bucket })` or
   * `s3PayloadStore({ bucket })`. Without one, such an input is refused with
   * `PayloadTooLargeError` before it is sent.
   * @default undefined
   */
  payloadStore?: PayloadStore;
  /**
   * Priors of the scheduler's latency prediction for this function, each
   * then learned from its answers: `coldStartMs` (startup of a new
   * instance), `speedFactor` (run time here / run time on the local pool),
   * `warmMs` (how long an idle instance stays warm), `networkMs`.
   * @default { coldStartMs: 3000, speedFactor: max(1, 1 / pricing.vcpu), warmMs: 180_000, networkMs: 80 } (see `cloudFunctionsLatencyProfile`)
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
   * The longest container startup (cold start) one attempt here can be
   * billed for, ms. Budgets reserve it on top of the attempt's run-time
   * bound until the attempt settles, so a cold start does not push billed
   * spend past `cost.budgetUsd`: request-based billing counts container
   * startup (`../shared/cloud-facts.md`). Google publishes no cap; the
   * default covers the 2-7 s Node.js startups measured there. A startup
   * longer than this is still billed in full, past the reservation. Set 0
   * where no startup is billed (a local emulator).
   * @default 10_000
   */
  maxBilledColdStartMs?: number;
}

/** Options with every default applied (see {@link CloudFunctionsOptions} for each field); `url` is normalized, `audience` is the url as given. */
export interface ResolvedCloudFunctionsOptions {
  url: string;
  auth: CloudFunctionsAuth;
  audience: string;
  googleAuth?: GoogleAuthLike;
  maxConcurrency: number;
  timeoutMs: number;
  timeoutSeconds: number;
  maxPayloadBytes: number;
  pricing: Readonly<CloudFunctionsPricing>;
  name: string;
  signingSecret?: string;
  region?: string;
  payloadStore?: PayloadStore;
  latency?: LatencyProfileOptions;
  stallAfterMs?: number;
  maxBilledColdStartMs: number;
}

/** Defaults of {@link CloudFunctionsOptions}. */
const DEFAULTS = {
  auth: 'google-id-token',
  maxConcurrency: 100,
  timeoutMs: 60_000,
  timeoutSeconds: 3600,
  maxPayloadBytes: MAX_PAYLOAD_BYTES,
  name: 'gcf',
  maxBilledColdStartMs: 10_000,
} as const;

const positiveInt = z.number().int().min(1);

const HttpUrl = z.union([z.string(), z.instanceof(URL)]).transform((value, context) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    context.addIssue({ code: 'custom', message: 'expected an absolute URL such as https://europe-west1-my-project.cloudfunctions.net/spillway', input: value });
    return z.NEVER;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    context.addIssue({ code: 'custom', message: `expected an http(s) URL, got the ${url.protocol} scheme`, input: value });
    return z.NEVER;
  }
  return url.href;
});

const PricingSchema = z
  .object({
    memoryMb: z.number().positive().optional(),
    vcpu: z.number().positive().optional(),
    usdPerInvocation: z.number().min(0).optional(),
    usdPerVcpuSecond: z.number().min(0).optional(),
    usdPerGibSecond: z.number().min(0).optional(),
    billingIncrementMs: z.number().min(0).optional(),
  })
  .strict();

const OptionsSchema = z
  .object({
    url: HttpUrl,
    auth: z
      .union([z.literal('google-id-token'), z.literal('none'), z.custom<Exclude<CloudFunctionsAuth, string>>((value) => typeof value === 'function')], {
        error: "expected 'google-id-token', 'none' or a function returning headers",
      })
      .optional(),
    audience: z.string().min(1).optional(),
    googleAuth: z
      .custom<GoogleAuthLike>((value) => typeof (value as { getIdTokenClient?: unknown } | null)?.getIdTokenClient === 'function', {
        error: 'expected an object with a getIdTokenClient(audience) method, such as new GoogleAuth()',
      })
      .optional(),
    maxConcurrency: positiveInt.optional(),
    timeoutMs: z.number().positive().optional(),
    timeoutSeconds: z.number().int().min(1).max(3600).optional(),
    maxPayloadBytes: positiveInt.optional(),
    pricing: PricingSchema.optional(),
    name: z
      .string()
      .regex(/^[A-Za-z][\w.-]{0,63}$/, { error: 'expected a letter, then up to 63 letters, digits, `_`, `.` or `-`' })
      .optional(),
    signingSecret: z.string().min(MIN_SIGNING_SECRET_LENGTH).optional(),
    region: z.string().min(1).optional(),
    payloadStore: payloadStoreSchema.optional(),
    latency: latencyProfileSchema.optional(),
    stallAfterMs: z.number().min(1).max(MAX_TIMEOUT_MS).optional(),
    maxBilledColdStartMs: z.number().min(0).max(MAX_TIMEOUT_MS).optional(),
  })
  .strict();

/** Validates the options of `cloudFunctions()` and applies defaults; throws `ValidationError` naming the first bad field. */
export function resolveCloudFunctionsOptions(options: unknown): ResolvedCloudFunctionsOptions {
  const data = parseOptions(OptionsSchema, options, 'cloudFunctions options');
  const { url, auth = DEFAULTS.auth, audience, googleAuth, maxConcurrency = DEFAULTS.maxConcurrency, timeoutMs = DEFAULTS.timeoutMs } = data;
  const { maxPayloadBytes = DEFAULTS.maxPayloadBytes, pricing, name = DEFAULTS.name, signingSecret, timeoutSeconds = DEFAULTS.timeoutSeconds } = data;
  return {
    url,
    auth,
    // The URL exactly as given: Google compares the token's audience with it as text.
    audience: audience ?? String((options as { url: string | URL }).url),
    ...(googleAuth === undefined ? {} : { googleAuth }),
    maxConcurrency,
    timeoutMs,
    timeoutSeconds,
    maxPayloadBytes,
    pricing: Object.freeze({ ...DEFAULT_PRICING, ...pricing }),
    name,
    ...(signingSecret === undefined ? {} : { signingSecret }),
    ...(data.region === undefined ? {} : { region: data.region }),
    ...(data.payloadStore === undefined ? {} : { payloadStore: data.payloadStore }),
    ...(data.latency === undefined ? {} : { latency: data.latency }),
    ...(data.stallAfterMs === undefined ? {} : { stallAfterMs: data.stallAfterMs }),
    maxBilledColdStartMs: data.maxBilledColdStartMs ?? DEFAULTS.maxBilledColdStartMs,
  };
}
