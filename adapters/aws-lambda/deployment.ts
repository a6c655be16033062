/** `lambda.fromDeployment`: a Lambda backend built from the record `spillway deploy lambda` wrote. */
import { readDeploymentRecord } from '../../src/contract/deployment-record.js';
import { type LambdaBackend, lambda } from './backend.js';
import type { LambdaOptions } from './options.js';

/**
 * Creates the backend of the function `spillway deploy lambda` deployed,
 * from its deployment record (`.spillway/lambda.deployment.json` by
 * default): function name, alias (as `qualifier`), region, memory, timeout and
 * architecture come from the record, so the prices are those of what runs.
 * `options` adds or overrides anything else (`client`, `maxConcurrency`,
 * `name`, ...).
 *
 * @throws {ValidationError} when the record is missing, invalid or not a Lambda record.
 * @example
 * const remote = lambda.fromDeployment('.spillway/lambda.deployment.json', { maxConcurrency: 100 });
 */
export function lambdaFromDeployment(path: string | URL = '.spillway/lambda.deployment.json', options: Partial<LambdaOptions> = {}): LambdaBackend {
  const record = readDeploymentRecord(path, 'lambda');
  return lambda({
    functionName: record.functionName,
    qualifier: record.alias,
    region: record.region,
    memoryMb: record.memoryMb,
    architecture: record.architecture,
    timeoutSeconds: record.timeoutSeconds,
    ...options,
  });
}
