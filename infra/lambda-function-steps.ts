/**
 * The steps of `deployLambda` that change `$LATEST`: create a function,
 * update one (after waiting out a `Pending` state or an `InProgress` update,
 * which Lambda refuses to overlap with `ResourceConflictException`), or
 * delete one whose creation `Failed` (Lambda cannot update it) so that it is
 * created again.
 */
import type { FunctionConfiguration, LambdaClient, Runtime } from '@aws-sdk/client-lambda';
import { DeployError } from './deploy-error.js';
import type { DeployLog } from './deploy-log.js';
import { describeLambdaApiError, sdkErrorName } from './lambda-api-error.js';
import type { ResolvedLambdaDeployOptions } from './lambda-options.js';
import { MANAGED_BY_TAGS } from './managed-by.js';
import { loadLambdaSdk } from './peers.js';
import { type LambdaWaitOptions, waitForLambda } from './wait-for-lambda.js';

/** What each step talks to, and what it uploads. */
export interface LambdaStepContext {
  client: LambdaClient;
  log: DeployLog;
  wait: LambdaWaitOptions;
  options: ResolvedLambdaDeployOptions;
  /** The handler to configure (`--handler`, else the manifest's). */
  handler: string;
  zip: Uint8Array;
  /** Environment variables, `SPILLWAY_BUNDLE_HASH` included. */
  variables: Record<string, string>;
}

/** Calls `call`, turning a failure into a one-line DeployError about `action`. */
export async function sendLambda<T>(action: string, functionName: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw describeLambdaApiError(error, action, functionName);
  }
}

/** Creates the function (tagged `managed-by: spillway`) with `role` and waits until it is Active. */
export async function createLambdaFunction(step: LambdaStepContext, role: string | undefined): Promise<FunctionConfiguration> {
  const { client, log, options } = step;
  const { functionName } = options;
  if (role === undefined) {
    throw new DeployError(
      `The Lambda function "${functionName}" does not exist and creating it needs \`--role\` (role): pass the ARN of an existing execution role (spillway iam-policy prints its policies)`,
      'ERR_DEPLOY_OPTION',
    );
  }
  const { CreateFunctionCommand } = await loadLambdaSdk();
  log(`creating function ${functionName}…`);
  await sendLambda('lambda:CreateFunction', functionName, () =>
    client.send(
      new CreateFunctionCommand({
        FunctionName: functionName,
        Role: role,
        Runtime: options.runtime as Runtime,
        Handler: step.handler,
        Code: { ZipFile: step.zip },
        MemorySize: options.memoryMb,
        Timeout: options.timeoutSeconds,
        Architectures: [options.architecture],
        Environment: { Variables: step.variables },
        Tags: { ...MANAGED_BY_TAGS },
        Publish: false,
        Description: 'spillway task bundle',
      }),
    ),
  );
  log('waiting for Active…');
  return waitForLambda(client, functionName, 'active', step.wait);
}

/** Deletes a managed function whose creation Failed (Lambda refuses to update it), so it can be created again. */
export async function deleteFailedLambdaFunction(step: LambdaStepContext, existing: FunctionConfiguration): Promise<void> {
  const { functionName } = step.options;
  const reason = `${existing.StateReasonCode ?? 'Failed'}: ${existing.StateReason ?? 'no reason given'}`;
  const { DeleteFunctionCommand } = await loadLambdaSdk();
  step.log(`function ${functionName} is in state Failed (${reason}); deleting it to create it again…`);
  await sendLambda('lambda:DeleteFunction', functionName, () => step.client.send(new DeleteFunctionCommand({ FunctionName: functionName })));
}

/** Waits until `$LATEST` accepts an update: Active (not Pending) and no update InProgress. */
async function waitUntilUpdatable(step: LambdaStepContext, existing: FunctionConfiguration): Promise<void> {
  let current = existing;
  if (current.State === 'Pending') {
    step.log('waiting for the function to be Active before updating…');
    current = await waitForLambda(step.client, step.options.functionName, 'active', step.wait);
  }
  if (current.LastUpdateStatus === 'InProgress') {
    step.log('waiting for the update in progress to finish…');
    await waitForLambda(step.client, step.options.functionName, 'updated', step.wait);
  }
}

/** Sends an update; on ResourceConflictException (another update started meanwhile) waits for it and sends once more. */
async function sendUpdate(step: LambdaStepContext, action: string, call: () => Promise<unknown>): Promise<void> {
  const { functionName } = step.options;
  try {
    await call();
    return;
  } catch (error) {
    if (sdkErrorName(error) !== 'ResourceConflictException') throw describeLambdaApiError(error, action, functionName);
  }
  step.log('another update is in progress; waiting for it…');
  await waitForLambda(step.client, functionName, 'updated', step.wait);
  await sendLambda(action, functionName, call);
}

/** Updates code, then configuration, each followed by a wait for the update; resolves with the final configuration. */
export async function updateLambdaFunction(step: LambdaStepContext, existing: FunctionConfiguration): Promise<FunctionConfiguration> {
  const { client, log, options } = step;
  const { functionName } = options;
  const { UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand } = await loadLambdaSdk();
  await waitUntilUpdatable(step, existing);
  log(`updating code of ${functionName}…`);
  await sendUpdate(step, 'lambda:UpdateFunctionCode', () =>
    client.send(new UpdateFunctionCodeCommand({ FunctionName: functionName, ZipFile: step.zip, Architectures: [options.architecture] })),
  );
  log('waiting for the code update…');
  await waitForLambda(client, functionName, 'updated', step.wait);
  log('updating configuration…');
  await sendUpdate(step, 'lambda:UpdateFunctionConfiguration', () =>
    client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: functionName,
        ...(options.role === undefined ? {} : { Role: options.role }),
        Runtime: options.runtime as Runtime,
        Handler: step.handler,
        MemorySize: options.memoryMb,
        Timeout: options.timeoutSeconds,
        Environment: { Variables: step.variables },
      }),
    ),
  );
  log('waiting for the configuration update…');
  return waitForLambda(client, functionName, 'updated', step.wait);
}
