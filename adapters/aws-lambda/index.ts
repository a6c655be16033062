/**
 * `spillway/aws-lambda`: the AWS Lambda backend. {@link lambda} returns a
 * `Backend` that runs task attempts on a deployed function whose handler is
 * `createLambdaHandler` (from `spillway/aws-lambda/handler`).
 * @packageDocumentation
 */

export type { LambdaBackend, LambdaSnapshot } from './backend.js';
export { lambda } from './backend.js';
export type { LambdaInvokeErrorDetails } from './errors.js';
export { LambdaInvokeError } from './errors.js';
export type { LambdaOptions } from './options.js';
export type { LambdaArchitecture, LambdaPricing, ResolvedLambdaPricing } from './pricing.js';
export { LAMBDA_MAX_PAYLOAD_BYTES } from './protocol.js';
