/**
 * `spillway deploy gcf`: uploads the `gcf/` bundle and creates or updates a
 * gen2 HTTP function (runtime `NODE_RUNTIMES.gcf`, the manifest's entry
 * point), waits for the operation and returns the function's URL for
 * `cloudFunctions({ url })`. Every deploy routes all traffic to the new
 * revision. It adds no IAM bindings: the function stays private (no
 * `allUsers` invoker). What it deployed is written to `gcf.deployment.json`
 * next to the manifest.
 */
import { BUNDLE_HASH_ENV, NODE_RUNTIMES } from '../src/contract/platform.js';
import { bundleZipPath, readBundleManifest, readBundleZip } from './bundle-input.js';
import { DeployError } from './deploy-error.js';
import { type DeployLog, silentLog } from './deploy-log.js';
import { deploymentRecordPath, type GcfDeploymentRecord, writeDeployment } from './deployment-record.js';
import type { GcfApi, GcfFunction, GcfStorageSource } from './gcf-api.js';
import { type GcfDeployOptions, type ResolvedGcfDeployOptions, resolveGcfDeployOptions } from './gcf-options.js';
import { isManagedBySpillway, MANAGED_BY_KEY, MANAGED_BY_TAGS, MANAGED_BY_VALUE } from './managed-by.js';
import type { PollOptions } from './poll.js';
import { waitForGcfOperation } from './wait-for-gcf-operation.js';

/** What `deployGcf` talks to and reports through. */
export interface GcfDeployContext {
  /** The Cloud Functions API (see `createGcfApi`). */
  api: GcfApi;
  /** Progress lines; silent when omitted. */
  log?: DeployLog;
  /** Backoff of the operation wait; tests pass a sleep that resolves at once. */
  poll?: PollOptions;
  /** The clock of `deployedAt`. */
  now?: () => Date;
}

/** What a deploy did: the deployment record, whether the function was created, and where the record was written. */
export interface GcfDeployResult extends GcfDeploymentRecord {
  /** Whether the function was created (false: updated). */
  created: boolean;
  /** Path of the deployment record written. */
  recordPath: string;
}

/** The fields deploy sets, as an update mask. */
const GCF_UPDATE_MASK: readonly string[] = [
  'labels',
  'buildConfig.runtime',
  'buildConfig.entryPoint',
  'buildConfig.source',
  'serviceConfig.availableMemory',
  'serviceConfig.timeoutSeconds',
  'serviceConfig.ingressSettings',
  'serviceConfig.environmentVariables',
  'serviceConfig.allTrafficOnLatestRevision',
];

/** The resource name of the function `options` describe. */
export function gcfFunctionName(options: { project: string; region: string; functionName: string }): string {
  return `projects/${options.project}/locations/${options.region}/functions/${options.functionName}`;
}

function functionBody(options: ResolvedGcfDeployOptions, name: string, entryPoint: string, storageSource: GcfStorageSource, bundleHash: string): GcfFunction {
  return {
    name,
    environment: 'GEN_2',
    labels: { ...MANAGED_BY_TAGS },
    buildConfig: { runtime: NODE_RUNTIMES.gcf, entryPoint, source: { storageSource } },
    serviceConfig: {
      availableMemory: `${options.memoryMb}Mi`,
      timeoutSeconds: options.timeoutSeconds,
      ingressSettings: options.ingress,
      environmentVariables: { ...options.environment, [BUNDLE_HASH_ENV]: bundleHash },
      allTrafficOnLatestRevision: true,
    },
  };
}

function cpuOf(deployed: GcfFunction | undefined): { cpu?: number } {
  const cpu = Number.parseFloat(deployed?.serviceConfig?.availableCpu ?? '');
  return Number.isFinite(cpu) && cpu > 0 ? { cpu } : {};
}

/**
 * Deploys the Cloud Functions bundle: `generateUploadUrl`, PUT of the zip,
 * `createFunction` or `updateFunction` (refused for a function without the
 * `managed-by: spillway` label), a wait for the operation, then the URL and
 * the deployment record.
 */
export async function deployGcf(options: GcfDeployOptions, context: GcfDeployContext): Promise<GcfDeployResult> {
  const resolved = resolveGcfDeployOptions(options);
  const log = context.log ?? silentLog;
  const { api } = context;
  const { manifestPath, functionName } = resolved;
  const manifest = await readBundleManifest(manifestPath);
  const zip = await readBundleZip(resolved.zipPath ?? bundleZipPath(manifestPath, manifest, 'gcf'), '--zip');
  const parent = `projects/${resolved.project}/locations/${resolved.region}`;
  const name = gcfFunctionName(resolved);

  const existing = await api.getFunction(name);
  if (existing !== undefined && !isManagedBySpillway(existing.labels)) {
    throw new DeployError(
      `The Cloud Function "${functionName}" exists but has no label ${MANAGED_BY_KEY}: ${MANAGED_BY_VALUE}; deploy under another --function name, or label it to let spillway manage it`,
      'ERR_DEPLOY_UNMANAGED',
    );
  }
  log('generating upload URL…');
  const upload = await api.generateUploadUrl(parent);
  log(`uploading ${zip.byteLength} bytes…`);
  await api.uploadZip(upload.uploadUrl, zip);
  const body = functionBody(resolved, name, manifest.targets.gcf.handler, upload.storageSource, manifest.bundleHash);
  const created = existing === undefined;
  log(created ? `creating function ${functionName}…` : `updating function ${functionName}…`);
  const operation = created ? await api.createFunction(parent, functionName, body) : await api.updateFunction({ ...body, name }, [...GCF_UPDATE_MASK]);
  log('waiting for the build and rollout…');
  const finished = await waitForGcfOperation(api, operation, created ? `create ${functionName}` : `update ${functionName}`, context.poll);
  const deployed =
    finished.response?.serviceConfig?.uri !== undefined || finished.response?.url !== undefined ? finished.response : await api.getFunction(name);
  const url = deployed?.serviceConfig?.uri ?? deployed?.url;
  if (url === undefined) throw new DeployError(`The Cloud Function "${functionName}" was deployed but has no URL yet; run deploy again`, 'ERR_DEPLOY_API');
  log(`url ${url}`);
  const record: GcfDeploymentRecord = {
    recordVersion: 1,
    platform: 'gcf',
    name,
    functionName,
    project: resolved.project,
    region: resolved.region,
    url,
    memoryMb: resolved.memoryMb,
    ...cpuOf(deployed),
    timeoutSeconds: resolved.timeoutSeconds,
    runtime: NODE_RUNTIMES.gcf,
    bundleHash: manifest.bundleHash,
    deployedAt: (context.now?.() ?? new Date()).toISOString(),
  };
  const recordPath = resolved.recordPath ?? deploymentRecordPath(manifestPath, 'gcf');
  await writeDeployment(recordPath, record);
  log(`record ${recordPath}`);
  return { ...record, created, recordPath };
}
