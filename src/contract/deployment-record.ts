/**
 * The deployment record: what `spillway deploy` deployed, written next to
 * the bundle manifest as plain JSON (`.spillway/lambda.deployment.json`,
 * `.spillway/gcf.deployment.json`). The infra scripts write it; the backends
 * read it (`lambda.fromDeployment`, `cloudFunctions.fromDeployment`) so that
 * function names, URLs, memory and architecture are not typed twice and the
 * prices match what runs. Each record carries `recordVersion` and `platform`.
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { ValidationError } from '../errors.js';

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

export const deploymentRecordSchema = z.discriminatedUnion('platform', [lambdaRecordSchema, gcfRecordSchema]);

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

/**
 * Reads and validates the deployment record at `path` (a path or `file:` URL),
 * synchronously so a backend can be built from it in one expression. When
 * `platform` is given, a record of the other platform is refused.
 *
 * @throws {ValidationError} naming the file and the field when the file is missing, not JSON, not a record of this version or of another platform.
 */
export function readDeploymentRecord<P extends DeploymentRecord['platform']>(path: string | URL, platform: P): Extract<DeploymentRecord, { platform: P }>;
export function readDeploymentRecord(path: string | URL): DeploymentRecord;
export function readDeploymentRecord(path: string | URL, platform?: DeploymentRecord['platform']): DeploymentRecord {
  const where = String(path);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const missing = (error as { code?: unknown }).code === 'ENOENT';
    const hint = missing ? 'does not exist; run `spillway deploy` first' : `cannot be read as JSON (${(error as Error).message})`;
    throw new ValidationError(`The deployment record ${where} ${hint}`, { path: 'deployment', cause: error });
  }
  const parsed = deploymentRecordSchema.safeParse(json);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.map(String).join('.') || 'platform';
    throw new ValidationError(
      `Expected the deployment record ${where} to have a valid \`${field}\` (record version ${DEPLOYMENT_RECORD_VERSION}); run \`spillway deploy\` again`,
      { path: `deployment.${field}` },
    );
  }
  if (platform !== undefined && parsed.data.platform !== platform) {
    throw new ValidationError(`Expected a ${platform} deployment record, got the ${parsed.data.platform} record ${where}`, { path: 'deployment.platform' });
  }
  return parsed.data;
}
