/**
 * `spillway/gcp-functions/handler`: the function side of the Cloud Functions
 * backend. A deployed entry file registers the task module as an HTTP
 * function:
 *
 * ```js
 * // index.js, deployed with --entry-point=spillway
 * import { registerCloudFunction } from 'spillway/gcp-functions/handler';
 * registerCloudFunction('spillway', new URL('./tasks.js', import.meta.url));
 * ```
 * @packageDocumentation
 */
import { http } from '@google-cloud/functions-framework';
import { ValidationError } from '../../src/errors.js';
import type { CloudFunctionHandlerOptions } from './handler-options.js';
import { createCloudFunctionHandler } from './request-handler.js';
import type { CloudFunctionTaskModule } from './task-runtime.js';

export type { CloudFunctionHandlerOptions } from './handler-options.js';
export type { ErrorBody } from './protocol.js';
export {
  BUNDLE_HASH_ENV,
  ENVELOPE_CONTENT_TYPE,
  HandlerErrorCode,
  MAX_PAYLOAD_BYTES,
  SIGNATURE_HEADER,
  SIGNING_SECRET_ENV,
  TIMESTAMP_HEADER,
} from './protocol.js';
export type { CloudFunctionHandler } from './request-handler.js';
export { createCloudFunctionHandler } from './request-handler.js';
export type { SignatureHeaders, VerifyOptions, VerifyResult } from './signing.js';
export { DEFAULT_MAX_CLOCK_SKEW_MS, signRequest, verifyRequest } from './signing.js';
export type { CloudFunctionTaskModule } from './task-runtime.js';

/** The Functions Framework's rule for function names. */
const FUNCTION_NAME = /^[A-Za-z](?:[-_A-Za-z0-9]{0,61}[A-Za-z0-9])?$/;

/**
 * Registers an HTTP function named `name` (the deploy's `--entry-point`, or
 * the framework's `--target`) that runs envelopes against `taskModule`
 * through the shared runtime. Call it at the top level of the entry module,
 * so the function exists when the Functions Framework looks it up.
 *
 * `taskModule` is the module's URL or path (imported in the background; its
 * content hash is the bundle hash unless `bundleHash` or
 * `SPILLWAY_BUNDLE_HASH` says otherwise), or its imported namespace, which
 * needs `bundleHash` or `SPILLWAY_BUNDLE_HASH`.
 */
export function registerCloudFunction(name: string, taskModule: CloudFunctionTaskModule, options: CloudFunctionHandlerOptions = {}): void {
  if (typeof name !== 'string' || !FUNCTION_NAME.test(name)) {
    throw new ValidationError(
      `Expected the Cloud Function name to be a letter, then up to 62 letters, digits, \`-\` or \`_\`, not ending in \`-\` or \`_\`, got ${JSON.stringify(name)}: use the name given as --entry-point`,
      { path: 'name' },
    );
  }
  http(name, createCloudFunctionHandler(taskModule, options));
}
