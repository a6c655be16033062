/**
 * `spillway teardown lambda`: deletes the function `spillway deploy lambda`
 * created, and only that: a function without the `managed-by: spillway` tag
 * is refused. `DeleteFunction` without a qualifier deletes the function with
 * its versions and aliases, so no `DeleteAlias` (a permission of its own) is needed.
 */
import type { GetFunctionCommandOutput } from '@aws-sdk/client-lambda';
import { DeployError } from './deploy-error.js';
import { type DeployLog, silentLog } from './deploy-log.js';
import { describeLambdaApiError } from './lambda-api-error.js';
import { type LambdaClientSource, resolveLambdaClient } from './lambda-client.js';
import { LAMBDA_FUNCTION_NAME } from './lambda-options.js';
import { assertManagedLambda, getLambdaFunction } from './lambda-ownership.js';
import { loadLambdaSdk } from './peers.js';

/** What `teardownLambda` deletes. */
export interface LambdaTeardownOptions {
  /** The function's name. */
  functionName: string;
}

/** What `teardownLambda` talks to and reports through. */
export interface LambdaTeardownContext {
  /** The client for the Lambda control plane, or a function that creates it once `functionName` is checked. */
  client: LambdaClientSource;
  /** Progress lines; silent when omitted. */
  log?: DeployLog;
}

/**
 * Deletes the function (with its versions and aliases); needs `lambda:GetFunction`, `lambda:ListTags` and
 * `lambda:DeleteFunction`. Refuses (ERR_DEPLOY_UNMANAGED) a function that is not tagged `managed-by: spillway`.
 */
export async function teardownLambda(options: LambdaTeardownOptions, context: LambdaTeardownContext): Promise<void> {
  const { functionName } = options;
  const log = context.log ?? silentLog;
  if (!LAMBDA_FUNCTION_NAME.test(functionName)) {
    throw new DeployError(`Expected \`--function\` to be 1 to 64 letters, digits, - or _, got ${JSON.stringify(functionName)}`, 'ERR_DEPLOY_OPTION');
  }
  const client = await resolveLambdaClient(context.client);
  const { DeleteFunctionCommand } = await loadLambdaSdk();
  const existing: GetFunctionCommandOutput | undefined = await getLambdaFunction(client, functionName);
  if (existing === undefined) {
    throw new DeployError(`The Lambda function "${functionName}" does not exist; check --function and --region`, 'ERR_DEPLOY_NOT_FOUND');
  }
  assertManagedLambda(existing, functionName, 'teardown');
  log(`deleting function ${functionName} with its versions and aliases…`);
  try {
    await client.send(new DeleteFunctionCommand({ FunctionName: functionName }));
  } catch (error) {
    throw describeLambdaApiError(error, 'lambda:DeleteFunction', functionName);
  }
  log(`deleted ${functionName}`);
}
