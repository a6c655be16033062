/**
 * What `spillway deploy` deployed, written next to the bundle manifest as
 * plain JSON (`.spillway/lambda.deployment.json`,
 * `.spillway/gcf.deployment.json`), so the caller's options (function name,
 * alias, region, memory, architecture) are read from it instead of typed a
 * second time. Each record carries `recordVersion` and `platform`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { BundlePlatform } from './bundle-input.js';
import { DeployError } from './deploy-error.js';

/** The version of the record format written by this spillway. */
export const DEPLOYMENT_RECORD_VERSION = 1;

const lambdaRecordSchema = z.object({
  recordVersion: z.literal(DEPLOYMENT_RECORD_VERSION),
  platform: z.literal('lambda'),
  functionName: z.string().min(1),
  functionArn: z.string().min(1),
  alias: z.string().min(1),
  qualifiedArn: z.string().min(1),
  version: z.string().min(1),
  region: z.string().min(1),
  memoryMb: z.number().int().positive(),
  architecture: z.enum(['x86_64', 'arm64']),
  timeoutSeconds: z.number().int().positive(),
  runtime: z.string().min(1),
  bundleHash: z.string().min(1),
  deployedAt: z.string().min(1),
});

const gcfRecordSchema = z.object({
  recordVersion: z.literal(DEPLOYMENT_RECORD_VERSION),
  platform: z.literal('gcf'),
  name: z.string().min(1),
  functionName: z.string().min(1),
  project: z.string().min(1),
  region: z.string().min(1),
  url: z.string().min(1),
  memoryMb: z.number().int().positive(),
  cpu: z.number().positive().optional(),
  timeoutSeconds: z.number().int().positive(),
  runtime: z.string().min(1),
  bundleHash: z.string().min(1),
  deployedAt: z.string().min(1),
});

const recordSchema = z.discriminatedUnion('platform', [lambdaRecordSchema, gcfRecordSchema]);

/**
 * What `spillway deploy lambda` deployed: `functionName` + `alias` (or
 * `qualifiedArn`) is what `lambda({ functionName, qualifier })` invokes;
 * `memoryMb` and `architecture` set its prices. `deployedAt` is an ISO 8601 time.
 */
export type LambdaDeploymentRecord = z.output<typeof lambdaRecordSchema>;

/**
 * What `spillway deploy gcf` deployed: `url` is what `cloudFunctions({ url })`
 * calls and the ID-token audience; `memoryMb` and `cpu` (vCPU, when the API
 * reported it) set its prices. `deployedAt` is an ISO 8601 time.
 */
export type GcfDeploymentRecord = z.output<typeof gcfRecordSchema>;

/** A deployment record of either platform, told apart by `platform`. */
export type DeploymentRecord = LambdaDeploymentRecord | GcfDeploymentRecord;

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
  const parsed = recordSchema.safeParse(json);
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
