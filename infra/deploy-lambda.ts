/**
 * `spillway deploy lambda`: creates or updates a Lambda function from the
 * bundle, waits (with the SDK's waiters) until it is Active and updated,
 * publishes a version, waits until that version is Active and moves an
 * alias to it, so callers of the alias switch atomically. It uses an
 * existing execution role and never creates one. What it deployed is
 * written to `lambda.deployment.json` next to the manifest.
 */
import type { FunctionConfiguration, LambdaClient } from '@aws-sdk/client-lambda';
import { BUNDLE_HASH_ENV } from '../src/contract/platform.js';
import { bundleZipPath, readBundleManifest, readBundleZip } from './bundle-input.js';
import { DeployError } from './deploy-error.js';
import { type DeployLog, silentLog } from './deploy-log.js';
import { deploymentRecordPath, type LambdaDeploymentRecord, writeDeployment } from './deployment-record.js';
import { describeLambdaApiError, isLambdaNotFound } from './lambda-api-error.js';
import { type LambdaClientSource, resolveLambdaClient } from './lambda-client.js';
import { createLambdaFunction, deleteFailedLambdaFunction, type LambdaStepContext, sendLambda, updateLambdaFunction } from './lambda-function-steps.js';
import { type LambdaDeployOptions, type ResolvedLambdaDeployOptions, resolveLambdaDeployOptions } from './lambda-options.js';
import { assertManagedLambda, getLambdaFunction } from './lambda-ownership.js';
import { loadLambdaSdk } from './peers.js';
import { type LambdaWaitOptions, waitForLambda } from './wait-for-lambda.js';

/** What `deployLambda` talks to and reports through. */
export interface LambdaDeployContext {
  /** The client for the Lambda control plane (see `createLambdaDeployClient`), or a function that creates it once the inputs are checked. */
  client: LambdaClientSource;
  /** Progress lines; silent when omitted. */
  log?: DeployLog;
  /** Delays and limit of the SDK waiters; tests pass short ones. */
  wait?: LambdaWaitOptions;
  /** The clock of `deployedAt`. */
  now?: () => Date;
}

/** What a deploy did: the deployment record, whether the function was created, and where the record was written. */
export interface LambdaDeployResult extends LambdaDeploymentRecord {
  /** Whether the function was created (false: updated). A function whose creation Failed is deleted and created again. */
  created: boolean;
  /** The alias ARN callers invoke (the same as `qualifiedArn`). */
  aliasArn: string;
  /** Path of the deployment record written. */
  recordPath: string;
}

async function moveAlias(client: LambdaClient, options: ResolvedLambdaDeployOptions, version: string, created: boolean): Promise<string> {
  const { functionName, alias } = options;
  const { CreateAliasCommand, UpdateAliasCommand } = await loadLambdaSdk();
  const create = async (): Promise<string | undefined> =>
    (
      await sendLambda('lambda:CreateAlias', functionName, () =>
        client.send(new CreateAliasCommand({ FunctionName: functionName, Name: alias, FunctionVersion: version })),
      )
    ).AliasArn;
  if (created) return (await create()) ?? '';
  try {
    const updated = await client.send(new UpdateAliasCommand({ FunctionName: functionName, Name: alias, FunctionVersion: version }));
    return updated.AliasArn ?? '';
  } catch (error) {
    if (isLambdaNotFound(error)) return (await create()) ?? '';
    throw describeLambdaApiError(error, 'lambda:UpdateAlias', functionName);
  }
}

async function publishVersion(step: LambdaStepContext, configuration: FunctionConfiguration, bundleHash: string): Promise<string> {
  const { client, log, options } = step;
  const { functionName } = options;
  const { PublishVersionCommand } = await loadLambdaSdk();
  log('publishing version…');
  const published = await sendLambda('lambda:PublishVersion', functionName, () =>
    client.send(
      new PublishVersionCommand({
        FunctionName: functionName,
        Description: `spillway bundle ${bundleHash}`,
        ...(configuration.RevisionId === undefined ? {} : { RevisionId: configuration.RevisionId }),
      }),
    ),
  );
  const version = published.Version;
  if (version === undefined) throw new DeployError(`lambda:PublishVersion on "${functionName}" returned no version number`, 'ERR_DEPLOY_API');
  if (published.State !== 'Active') {
    log(`waiting for version ${version} to be Active…`);
    await waitForLambda(client, functionName, { publishedVersion: version }, step.wait);
  }
  log(`published version ${version}`);
  return version;
}

/** The region of a Lambda ARN (`arn:aws:lambda:<region>:…`). */
function regionOf(functionArn: string): string {
  return functionArn.split(':')[3] ?? '';
}

/** Creates, replaces (a function whose creation Failed) or updates `$LATEST`; resolves with its configuration. */
async function deployLatest(step: LambdaStepContext): Promise<{ configuration: FunctionConfiguration; created: boolean }> {
  const { functionName } = step.options;
  const existing = await getLambdaFunction(step.client, functionName);
  if (existing !== undefined) assertManagedLambda(existing, functionName, 'deploy');
  const current = existing?.Configuration;
  if (current === undefined) return { configuration: await createLambdaFunction(step, step.options.role), created: true };
  if (current.State === 'Failed') {
    await deleteFailedLambdaFunction(step, current);
    return { configuration: await createLambdaFunction(step, step.options.role ?? current.Role), created: true };
  }
  return { configuration: await updateLambdaFunction(step, current), created: false };
}

/**
 * Deploys the Lambda bundle: `GetFunction` (its tags must say
 * `managed-by: spillway`; reading them needs `lambda:ListTags`), then
 * `CreateFunction` (needs `role`) or `UpdateFunctionCode` +
 * `UpdateFunctionConfiguration`, each followed by an SDK waiter; then
 * `PublishVersion` and `CreateAlias`/`UpdateAlias`, and writes the
 * deployment record. Every failure is a one-line {@link DeployError}.
 */
export async function deployLambda(options: LambdaDeployOptions, context: LambdaDeployContext): Promise<LambdaDeployResult> {
  const resolved = resolveLambdaDeployOptions(options);
  const { functionName, alias, manifestPath } = resolved;
  const manifest = await readBundleManifest(manifestPath);
  const zip = await readBundleZip(resolved.zipPath ?? bundleZipPath(manifestPath, manifest, 'lambda'), '--zip');
  // Created only now, so a bad option or a missing bundle fails before the SDK loads.
  const client = await resolveLambdaClient(context.client);
  const step: LambdaStepContext = {
    client,
    log: context.log ?? silentLog,
    wait: context.wait ?? {},
    options: resolved,
    handler: resolved.handler ?? manifest.targets.lambda.handler,
    zip,
    variables: { ...resolved.environment, [BUNDLE_HASH_ENV]: manifest.bundleHash },
  };

  const { configuration, created } = await deployLatest(step);
  const version = await publishVersion(step, configuration, manifest.bundleHash);
  const aliasArn = await moveAlias(client, resolved, version, created);
  step.log(`alias ${alias} → ${version}`);
  const functionArn = configuration.FunctionArn ?? '';
  const qualifiedArn = aliasArn === '' ? `${functionArn}:${alias}` : aliasArn;
  const record: LambdaDeploymentRecord = {
    recordVersion: 1,
    platform: 'lambda',
    functionName,
    functionArn,
    alias,
    qualifiedArn,
    version,
    region: regionOf(qualifiedArn),
    memoryMb: configuration.MemorySize ?? resolved.memoryMb,
    architecture: configuration.Architectures?.[0] ?? resolved.architecture,
    timeoutSeconds: configuration.Timeout ?? resolved.timeoutSeconds,
    runtime: configuration.Runtime ?? resolved.runtime,
    bundleHash: manifest.bundleHash,
    deployedAt: (context.now?.() ?? new Date()).toISOString(),
  };
  const recordPath = resolved.recordPath ?? deploymentRecordPath(manifestPath, 'lambda');
  await writeDeployment(recordPath, record);
  step.log(`record ${recordPath}`);
  return { ...record, created, aliasArn: qualifiedArn, recordPath };
}
