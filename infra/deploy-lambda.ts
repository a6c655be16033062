/**
 * `spillway deploy lambda`: creates or updates a Lambda function from the
 * bundle, waits until it is Active and updated, publishes a version and
 * moves an alias to it, so callers of the alias switch atomically. It uses
 * an existing execution role and never creates one.
 */
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  type FunctionConfiguration,
  GetFunctionCommand,
  type GetFunctionCommandOutput,
  type LambdaClient,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { readBundleManifest, readBundleZip } from './bundle-input.js';
import { DeployError } from './deploy-error.js';
import { type DeployLog, silentLog } from './deploy-log.js';
import { describeLambdaApiError, isLambdaNotFound } from './lambda-api-error.js';
import { BUNDLE_HASH_ENV, type LambdaDeployOptions, type ResolvedLambdaDeployOptions, resolveLambdaDeployOptions } from './lambda-options.js';
import { isManagedBySpillway, MANAGED_BY_KEY, MANAGED_BY_TAGS, MANAGED_BY_VALUE } from './managed-by.js';
import type { PollOptions } from './poll.js';
import { waitForLambdaReady } from './wait-for-lambda.js';

/** What `deployLambda` talks to and reports through. */
export interface LambdaDeployContext {
  /** The client for the Lambda control plane (see `createLambdaDeployClient`). */
  client: LambdaClient;
  /** Progress lines; silent when omitted. */
  log?: DeployLog;
  /** Backoff of the readiness waits; tests pass a sleep that resolves at once. */
  poll?: PollOptions;
}

/** What a deploy did. */
export interface LambdaDeployResult {
  /** Whether the function was created (false: updated). */
  created: boolean;
  /** The function's name. */
  functionName: string;
  /** The function's ARN (unqualified). */
  functionArn: string;
  /** The version published by this deploy. */
  version: string;
  /** The alias moved to `version`. */
  alias: string;
  /** The alias ARN callers invoke (`lambda({ functionName, qualifier })`). */
  aliasArn: string;
  /** The bundle hash the function now runs. */
  bundleHash: string;
}

async function getFunction(client: LambdaClient, functionName: string): Promise<GetFunctionCommandOutput | undefined> {
  try {
    return await client.send(new GetFunctionCommand({ FunctionName: functionName }));
  } catch (error) {
    if (isLambdaNotFound(error)) return undefined;
    throw describeLambdaApiError(error, 'lambda:GetFunction', functionName);
  }
}

async function send<T>(action: string, functionName: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw describeLambdaApiError(error, action, functionName);
  }
}

async function createFunction(
  context: Required<Pick<LambdaDeployContext, 'client' | 'log'>> & { poll?: PollOptions },
  options: ResolvedLambdaDeployOptions,
  zip: Uint8Array,
  variables: Record<string, string>,
): Promise<FunctionConfiguration> {
  const { client, log } = context;
  const { functionName, role } = options;
  if (role === undefined) {
    throw new DeployError(
      `The Lambda function "${functionName}" does not exist and creating it needs \`--role\` (role): pass the ARN of an existing execution role (spillway iam-policy prints its policies)`,
      'ERR_DEPLOY_OPTION',
    );
  }
  log(`creating function ${functionName}…`);
  await send('lambda:CreateFunction', functionName, () =>
    client.send(
      new CreateFunctionCommand({
        FunctionName: functionName,
        Role: role,
        Runtime: options.runtime as never,
        Handler: options.handler,
        Code: { ZipFile: zip },
        MemorySize: options.memoryMb,
        Timeout: options.timeoutSeconds,
        Architectures: [options.architecture],
        Environment: { Variables: variables },
        Tags: { ...MANAGED_BY_TAGS },
        Publish: false,
        Description: 'spillway task bundle',
      }),
    ),
  );
  log('waiting for Active…');
  return waitForLambdaReady(client, functionName, context.poll);
}

async function updateFunction(
  context: Required<Pick<LambdaDeployContext, 'client' | 'log'>> & { poll?: PollOptions },
  options: ResolvedLambdaDeployOptions,
  zip: Uint8Array,
  variables: Record<string, string>,
): Promise<FunctionConfiguration> {
  const { client, log } = context;
  const { functionName } = options;
  log(`updating code of ${functionName}…`);
  await send('lambda:UpdateFunctionCode', functionName, () =>
    client.send(new UpdateFunctionCodeCommand({ FunctionName: functionName, ZipFile: zip, Architectures: [options.architecture] })),
  );
  log('waiting for the code update…');
  await waitForLambdaReady(client, functionName, context.poll);
  log('updating configuration…');
  await send('lambda:UpdateFunctionConfiguration', functionName, () =>
    client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: functionName,
        ...(options.role === undefined ? {} : { Role: options.role }),
        Runtime: options.runtime as never,
        Handler: options.handler,
        MemorySize: options.memoryMb,
        Timeout: options.timeoutSeconds,
        Environment: { Variables: variables },
      }),
    ),
  );
  log('waiting for the configuration update…');
  return waitForLambdaReady(client, functionName, context.poll);
}

async function moveAlias(client: LambdaClient, options: ResolvedLambdaDeployOptions, version: string, created: boolean): Promise<string> {
  const { functionName, alias } = options;
  const create = async (): Promise<string | undefined> =>
    (
      await send('lambda:CreateAlias', functionName, () =>
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

/**
 * Deploys the Lambda bundle: `GetFunction`, then `CreateFunction` (needs
 * `role`) or `UpdateFunctionCode` + `UpdateFunctionConfiguration`, each
 * followed by a wait for Active/Successful; then `PublishVersion` and
 * `CreateAlias`/`UpdateAlias`. Refuses to update a function that is not
 * tagged `managed-by: spillway`. Every failure is a one-line {@link DeployError}.
 */
export async function deployLambda(options: LambdaDeployOptions, context: LambdaDeployContext): Promise<LambdaDeployResult> {
  const resolved = resolveLambdaDeployOptions(options);
  const log = context.log ?? silentLog;
  const { client } = context;
  const { functionName, alias } = resolved;
  const manifest = await readBundleManifest(resolved.manifestPath);
  const zip = await readBundleZip(resolved.zipPath, '--zip');
  const variables = { ...resolved.environment, [BUNDLE_HASH_ENV]: manifest.bundleHash };
  const steps = { client, log, ...(context.poll === undefined ? {} : { poll: context.poll }) };

  const existing = await getFunction(client, functionName);
  if (existing !== undefined && !isManagedBySpillway(existing.Tags)) {
    throw new DeployError(
      `The Lambda function "${functionName}" exists but is not tagged ${MANAGED_BY_KEY}: ${MANAGED_BY_VALUE}; deploy under another --function name, or tag it to let spillway manage it`,
      'ERR_DEPLOY_UNMANAGED',
    );
  }
  const created = existing === undefined;
  const configuration = created ? await createFunction(steps, resolved, zip, variables) : await updateFunction(steps, resolved, zip, variables);

  log('publishing version…');
  const published = await send('lambda:PublishVersion', functionName, () =>
    client.send(
      new PublishVersionCommand({
        FunctionName: functionName,
        Description: `spillway bundle ${manifest.bundleHash}`,
        ...(configuration.RevisionId === undefined ? {} : { RevisionId: configuration.RevisionId }),
      }),
    ),
  );
  const version = published.Version;
  if (version === undefined) throw new DeployError(`lambda:PublishVersion on "${functionName}" returned no version number`, 'ERR_DEPLOY_API');
  log(`published version ${version}`);
  const aliasArn = await moveAlias(client, resolved, version, created);
  log(`alias ${alias} → ${version}`);
  const functionArn = configuration.FunctionArn ?? published.FunctionArn?.replace(/:\d+$/, '') ?? '';
  return {
    created,
    functionName,
    functionArn,
    version,
    alias,
    aliasArn: aliasArn === '' ? `${functionArn}:${alias}` : aliasArn,
    bundleHash: manifest.bundleHash,
  };
}
