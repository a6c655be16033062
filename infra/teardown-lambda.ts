/**
 * `spillway teardown lambda`: deletes the alias and the function that
 * `spillway deploy lambda` created, and only those: a function without the
 * `managed-by: spillway` tag is refused.
 */
import { DeleteAliasCommand, DeleteFunctionCommand, GetFunctionCommand, type GetFunctionCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import { DeployError } from './deploy-error.js';
import { type DeployLog, silentLog } from './deploy-log.js';
import { describeLambdaApiError, isLambdaNotFound } from './lambda-api-error.js';
import { LAMBDA_ALIAS_NAME, LAMBDA_FUNCTION_NAME } from './lambda-options.js';
import { isManagedBySpillway, MANAGED_BY_KEY, MANAGED_BY_VALUE } from './managed-by.js';

/** What `teardownLambda` deletes. */
export interface LambdaTeardownOptions {
  /** The function's name. */
  functionName: string;
  /**
   * The alias deploy moved.
   * @default 'live'
   */
  alias?: string;
}

/** What `teardownLambda` talks to and reports through. */
export interface LambdaTeardownContext {
  /** The client for the Lambda control plane. */
  client: LambdaClient;
  /** Progress lines; silent when omitted. */
  log?: DeployLog;
}

/** Deletes the alias, then the function; refuses (ERR_DEPLOY_UNMANAGED) a function that is not tagged `managed-by: spillway`. */
export async function teardownLambda(options: LambdaTeardownOptions, context: LambdaTeardownContext): Promise<void> {
  const { functionName, alias = 'live' } = options;
  const log = context.log ?? silentLog;
  const { client } = context;
  if (!LAMBDA_FUNCTION_NAME.test(functionName)) {
    throw new DeployError(`Expected \`--function\` to be 1 to 64 letters, digits, - or _, got ${JSON.stringify(functionName)}`, 'ERR_DEPLOY_OPTION');
  }
  if (!LAMBDA_ALIAS_NAME.test(alias)) {
    throw new DeployError(`Expected \`--alias\` to be 1 to 128 letters, digits, - or _, got ${JSON.stringify(alias)}`, 'ERR_DEPLOY_OPTION');
  }
  let existing: GetFunctionCommandOutput;
  try {
    existing = await client.send(new GetFunctionCommand({ FunctionName: functionName }));
  } catch (error) {
    if (isLambdaNotFound(error)) {
      throw new DeployError(`The Lambda function "${functionName}" does not exist; check --function and --region`, 'ERR_DEPLOY_NOT_FOUND', { cause: error });
    }
    throw describeLambdaApiError(error, 'lambda:GetFunction', functionName);
  }
  if (!isManagedBySpillway(existing.Tags)) {
    throw new DeployError(
      `Refusing to delete the Lambda function "${functionName}": it is not tagged ${MANAGED_BY_KEY}: ${MANAGED_BY_VALUE}, so spillway did not deploy it`,
      'ERR_DEPLOY_UNMANAGED',
    );
  }
  log(`deleting alias ${alias}…`);
  try {
    await client.send(new DeleteAliasCommand({ FunctionName: functionName, Name: alias }));
  } catch (error) {
    if (!isLambdaNotFound(error)) throw describeLambdaApiError(error, 'lambda:DeleteAlias', functionName);
  }
  log(`deleting function ${functionName}…`);
  try {
    await client.send(new DeleteFunctionCommand({ FunctionName: functionName }));
  } catch (error) {
    throw describeLambdaApiError(error, 'lambda:DeleteFunction', functionName);
  }
  log(`deleted ${functionName}`);
}
