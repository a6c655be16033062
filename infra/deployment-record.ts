/**
 * What `spillway deploy` deployed, written next to the bundle manifest as
 * plain JSON (`.spillway/lambda.deployment.json`,
 * `.spillway/gcf.deployment.json`), so the caller's options (function name,
 * alias, region, memory, architecture) are read from it instead of typed a
 * second time. Each record carries `recordVersion` and `platform`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DEPLOYMENT_RECORD_VERSION, type DeploymentRecord, deploymentRecordSchema } from '../src/contract/deployment-record.js';
import type { BundlePlatform } from './bundle-input.js';
import { DeployError } from './deploy-error.js';

export type { DeploymentRecord, GcfDeploymentRecord, LambdaDeploymentRecord } from '../src/contract/deployment-record.js';

/** Where deploy writes the record of `platform`: `<manifest folder>/<platform>.deployment.json`. */
export function deploymentRecordPath(manifestPath: string, platform: BundlePlatform): string {
  return join(dirname(manifestPath), `${platform}.deployment.json`);
}

/** Writes `record` to `path` as indented JSON. */
export async function writeDeployment(path: string, record: DeploymentRecord): Promise<void> {
  try {
    await writeFile(path, `${JSON.stringify(record, null, 2)}\n`);
  } catch (error) {
    throw new DeployError(`Deployed, but could not write the deployment record ${path} (${(error as Error).message})`, 'ERR_DEPLOY_INPUT', {
      cause: error,
    });
  }
}

/**
 * Reads and validates the deployment record at `path`.
 *
 * @throws {DeployError} `ERR_DEPLOY_INPUT` when the file is missing, not JSON, or not a record of this version.
 */
export async function readDeployment(path: string): Promise<DeploymentRecord> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const missing = (error as { code?: unknown }).code === 'ENOENT';
    const hint = missing ? 'does not exist; run `spillway deploy` first' : `cannot be read as JSON (${(error as Error).message})`;
    throw new DeployError(`The deployment record ${path} ${hint}`, 'ERR_DEPLOY_INPUT', { cause: error });
  }
  const parsed = deploymentRecordSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.') || 'platform';
    throw new DeployError(
      `The deployment record ${path} has no valid \`${field}\` (record version ${DEPLOYMENT_RECORD_VERSION} expected); run \`spillway deploy\` again`,
      'ERR_DEPLOY_INPUT',
    );
  }
  return parsed.data;
}
