/** `cloudFunctions.fromDeployment`: a Cloud Functions backend built from the record `spillway deploy gcf` wrote. */
import { readDeploymentRecord } from '../../src/contract/deployment-record.js';
import { type CloudFunctionsBackend, cloudFunctions } from './backend.js';
import type { CloudFunctionsOptions } from './options.js';

/**
 * Creates the backend of the function `spillway deploy gcf` deployed, from
 * its deployment record (`.spillway/gcf.deployment.json` by default): the
 * URL (also the ID-token audience), the timeout that bounds what budgets
 * reserve, and the memory and vCPU that set the
 * prices. `options` adds or overrides anything else (`auth`,
 * `signingSecret`, `maxConcurrency`, ...).
 *
 * @throws {ValidationError} when the record is missing, invalid or not a Cloud Functions record.
 * @example
 * const remote = cloudFunctions.fromDeployment('.spillway/gcf.deployment.json');
 */
export function cloudFunctionsFromDeployment(
  path: string | URL = '.spillway/gcf.deployment.json',
  options: Partial<CloudFunctionsOptions> = {},
): CloudFunctionsBackend {
  const record = readDeploymentRecord(path, 'gcf');
  const pricing = { memoryMb: record.memoryMb, ...(record.cpu === undefined ? {} : { vcpu: record.cpu }), ...options.pricing };
  return cloudFunctions({ url: record.url, timeoutSeconds: record.timeoutSeconds, ...options, pricing });
}
