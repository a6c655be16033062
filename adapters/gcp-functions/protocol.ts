/**
 * The HTTP protocol between the `cloudFunctions()` client and the Cloud
 * Functions handler: one POST per attempt, the task envelope as the JSON
 * body, the result envelope as the 200 body, and `{ error: { code, message } }`
 * for every other status. Both sides import these names, so they cannot drift.
 */
import { z } from 'zod';

/** Largest request body Cloud Functions (2nd gen, Cloud Run) accepts: 32 MiB. */
export const MAX_PAYLOAD_BYTES = 32 * 1024 * 1024;

/**
 * Content type the client sends the envelope with: JSON under a media type
 * the Functions Framework does not parse itself, so the handler sees the raw
 * bytes and answers a malformed body with its own JSON 400 (a body sent as
 * `application/json` is accepted too, but the framework answers malformed
 * JSON of that type with an HTML 400 before the handler runs).
 */
export const ENVELOPE_CONTENT_TYPE = 'application/vnd.spillway.envelope+json';

/** Content type of every response body. */
export const JSON_CONTENT_TYPE = 'application/json';

/** Request header carrying the signing time, in whole seconds since the Unix epoch. */
export const TIMESTAMP_HEADER = 'x-spillway-timestamp';

/** Request header carrying `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`. */
export const SIGNATURE_HEADER = 'x-spillway-signature';

/** Environment variable the handler reads for the signing secret when no `signingSecret` option is given. */
export const SIGNING_SECRET_ENV = 'SPILLWAY_SIGNING_SECRET';

/** Environment variable the handler reads for the bundle hash when no `bundleHash` option is given. */
export const BUNDLE_HASH_ENV = 'SPILLWAY_BUNDLE_HASH';

/** Shortest accepted signing secret, in characters. */
export const MIN_SIGNING_SECRET_LENGTH = 16;

/** `code` of each non-200 answer of the handler. */
export const HandlerErrorCode = {
  /** 400: the body is not JSON, not a `TaskEnvelope`, or its input cannot be decoded. */
  badEnvelope: 'ERR_BAD_ENVELOPE',
  /** 401: signing is on and the request is unsigned, wrongly signed or too old. */
  unauthorized: 'ERR_UNAUTHORIZED',
  /** 405: the request is not a POST. */
  methodNotAllowed: 'ERR_METHOD_NOT_ALLOWED',
  /** 409: the envelope's `bundleHash` is not the deployed module's. */
  staleBundle: 'ERR_STALE_BUNDLE',
  /** 413: the body is larger than the handler's `maxBodyBytes`. */
  payloadTooLarge: 'ERR_PAYLOAD_TOO_LARGE',
  /** 500: the task module could not be loaded. */
  taskModule: 'ERR_TASK_MODULE',
  /** 500: the handler itself failed (a bug; the body says what happened). */
  internal: 'ERR_HANDLER',
} as const;

/** The body of every non-200 answer of the handler. Fields besides `code` and `message` depend on the status. */
export interface ErrorBody {
  error: {
    /** One of {@link HandlerErrorCode}. */
    code: string;
    /** What went wrong and how to fix it. */
    message: string;
    /** 409 only: the bundle hash the caller sent. */
    expectedHash?: string;
    /** 409 only: the bundle hash the function runs. */
    actualHash?: string;
    /** 413 only: the size of the refused body. */
    sizeBytes?: number;
    /** 413 only: the handler's limit. */
    limitBytes?: number;
  };
}

/** Schema of {@link ErrorBody}, lenient about extra fields (other proxies may add some). */
export const ErrorBodySchema = z.object({
  error: z.looseObject({
    code: z.string().optional(),
    message: z.string(),
    expectedHash: z.string().optional(),
    actualHash: z.string().optional(),
    sizeBytes: z.number().optional(),
    limitBytes: z.number().optional(),
  }),
});
