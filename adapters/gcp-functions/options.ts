/**
 * Options of `cloudFunctions()`, validated once with zod. An invalid option
 * throws a `ValidationError` naming the field, the value and the fix.
 */
import { z } from 'zod';
import type { CloudFunctionsAuth } from './auth.js';
import type { GoogleAuthLike } from './google-id-token.js';
import { invalidOptionsError } from './option-errors.js';
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
}

/** Options with every default applied (see {@link CloudFunctionsOptions} for each field); `url` is normalized, `audience` is the url as given. */
export interface ResolvedCloudFunctionsOptions {
  url: string;
  auth: CloudFunctionsAuth;
  audience: string;
  googleAuth?: GoogleAuthLike;
  maxConcurrency: number;
  timeoutMs: number;
  maxPayloadBytes: number;
  pricing: Readonly<CloudFunctionsPricing>;
  name: string;
  signingSecret?: string;
}

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
    maxPayloadBytes: positiveInt.optional(),
    pricing: PricingSchema.optional(),
    name: z
      .string()
      .regex(/^[A-Za-z][\w.-]{0,63}$/, { error: 'expected a letter, then up to 63 letters, digits, `_`, `.` or `-`' })
      .optional(),
    signingSecret: z.string().min(MIN_SIGNING_SECRET_LENGTH).optional(),
  })
  .strict();

/** Validates the options of `cloudFunctions()` and applies defaults; throws `ValidationError` naming the first bad field. */
export function resolveCloudFunctionsOptions(options: unknown): ResolvedCloudFunctionsOptions {
  const parsed = OptionsSchema.safeParse(options, { reportInput: true });
  if (!parsed.success) throw invalidOptionsError('cloudFunctions options', parsed.error);
  const { url, auth = 'google-id-token', audience, googleAuth, maxConcurrency = 100, timeoutMs = 60_000, maxPayloadBytes = MAX_PAYLOAD_BYTES } = parsed.data;
  const { pricing, name = 'gcf', signingSecret } = parsed.data;
  return {
    url,
    auth,
    // The URL exactly as given: Google compares the token's audience with it as text.
    audience: audience ?? String((options as { url: string | URL }).url),
    ...(googleAuth === undefined ? {} : { googleAuth }),
    maxConcurrency,
    timeoutMs,
    maxPayloadBytes,
    pricing: Object.freeze({ ...DEFAULT_PRICING, ...pricing }),
    name,
    ...(signingSecret === undefined ? {} : { signingSecret }),
  };
}
