/**
 * `spillway/aws-lambda`: the AWS Lambda backend. {@link lambda} returns a
 * `Backend` that runs task attempts on a deployed function whose handler is
 * `createLambdaHandler` (from `spillway/aws-lambda/handler`).
 * @packageDocumentation
 */

export type { PayloadStore, PayloadStoreOptions, StorageRequestPricing } from '../../src/backends/payload-store.js';
export { PayloadTransferError } from '../../src/errors.js';
export type { LambdaBackend, LambdaSnapshot } from './backend.js';
export type { LambdaInvokeErrorDetails } from './errors.js';
export { LambdaInvokeError } from './errors.js';
export type { LambdaOptions } from './options.js';
export type { S3PayloadStoreOptions } from './payload-store.js';
export { S3_REQUEST_PRICING, s3PayloadStore } from './payload-store.js';
export type { LambdaArchitecture, LambdaPricing, ResolvedLambdaPricing } from './pricing.js';
export { LAMBDA_MAX_PAYLOAD_BYTES } from './protocol.js';

import { lambda as createLambdaBackend } from './backend.js';
import { lambdaFromDeployment } from './deployment.js';

/**
 * Creates a backend that runs task attempts on an AWS Lambda function (see
 * the options); `lambda.fromDeployment(path, options)` builds it from the
 * record `spillway deploy lambda` wrote.
 */
export const lambda: typeof createLambdaBackend & { fromDeployment: typeof lambdaFromDeployment } = Object.assign(createLambdaBackend, {
  fromDeployment: lambdaFromDeployment,
});
