/**
 * `spillway/gcp-functions`: the Google Cloud Functions backend.
 *
 * ```ts
 * import { cloudFunctions } from 'spillway/gcp-functions';
 * const gcf = cloudFunctions({ url: process.env.SPILLWAY_GCF_URL! });
 * ```
 *
 * The protocol, one HTTP call per attempt:
 *
 * | request | |
 * | --- | --- |
 * | `POST <url>` | body: the `TaskEnvelope` as JSON, `content-type: application/vnd.spillway.envelope+json` (`application/json` is accepted too) |
 * | `authorization` | `Bearer <Google ID token for the url>` with `auth: 'google-id-token'` |
 * | `x-spillway-timestamp`, `x-spillway-signature` | with `signingSecret`: Unix seconds, and `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` |
 *
 * | answer | body | the client |
 * | --- | --- | --- |
 * | 200 | the `ResultEnvelope` (`ok: false` for task errors, validation, unknown task, timeout) | resolves with it |
 * | 400 | `{ error: { code: 'ERR_BAD_ENVELOPE', message } }` | `BackendError` `ERR_BACKEND_HTTP_400`, not retryable |
 * | 401 | `{ error: { code: 'ERR_UNAUTHORIZED', message } }` | `BackendError` `ERR_BACKEND_HTTP_401`, not retryable |
 * | 405 | `{ error: { code: 'ERR_METHOD_NOT_ALLOWED', message } }`, `allow: POST` | `BackendError` `ERR_BACKEND_HTTP_405`, not retryable |
 * | 409 | `{ error: { code: 'ERR_STALE_BUNDLE', message, expectedHash, actualHash } }` | `StaleBundleError` |
 * | 413 | `{ error: { code: 'ERR_PAYLOAD_TOO_LARGE', message, sizeBytes, limitBytes } }` | `PayloadTooLargeError` |
 * | 429 | (from Google's front end) | `CapacityError` `ERR_BACKEND_THROTTLED` (`providerCode: 'HTTP 429'`), retryable |
 * | 5xx | `{ error: { code: 'ERR_TASK_MODULE' \| 'ERR_HANDLER', message } }` or the platform's | `BackendError` `ERR_BACKEND_HTTP_5xx`, retryable |
 * | none | no connection made (refused, DNS, no route) / connection broke / client timeout | `BackendError` `ERR_BACKEND_UNREACHABLE` / `ERR_BACKEND_NETWORK` / `ERR_BACKEND_TIMEOUT`, retryable |
 * @packageDocumentation
 */

export type { PayloadStore, PayloadStoreOptions, StorageRequestPricing } from '../../src/backends/payload-store.js';
export { PayloadTransferError } from '../../src/errors.js';
export type { AuthContext, AuthHeaders, AuthHeadersProvider, CloudFunctionsAuth } from './auth.js';
export type { CloudFunctionsBackend, CloudFunctionsSnapshot } from './backend.js';
export { TASK_TIMEOUT_HEADROOM_MS } from './backend.js';
export type { GoogleAuthLike, IdTokenClientLike } from './google-id-token.js';
export { ID_TOKEN_REFRESH_MARGIN_MS } from './google-id-token.js';
export type { CloudFunctionsOptions } from './options.js';
export type { GcsPayloadStoreOptions } from './payload-store.js';
export { GCS_REQUEST_PRICING, gcsPayloadStore } from './payload-store.js';
export type { CloudFunctionsPricing } from './pricing.js';
export { DEFAULT_PRICING, estimateCostUsd } from './pricing.js';
export type { ErrorBody } from './protocol.js';
export { ENVELOPE_CONTENT_TYPE, HandlerErrorCode, MAX_PAYLOAD_BYTES, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './protocol.js';
export type { SignatureHeaders, VerifyOptions, VerifyResult } from './signing.js';
export { DEFAULT_MAX_CLOCK_SKEW_MS, signRequest, verifyRequest } from './signing.js';

import { cloudFunctions as createCloudFunctionsBackend } from './backend.js';
import { cloudFunctionsFromDeployment } from './deployment.js';

/**
 * Creates a backend that runs task attempts on a Cloud Function served by
 * `registerCloudFunction` (see the options);
 * `cloudFunctions.fromDeployment(path, options)` builds it from the record
 * `spillway deploy gcf` wrote.
 */
export const cloudFunctions: typeof createCloudFunctionsBackend & { fromDeployment: typeof cloudFunctionsFromDeployment } = Object.assign(
  createCloudFunctionsBackend,
  { fromDeployment: cloudFunctionsFromDeployment },
);
