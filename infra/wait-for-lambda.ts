/**
 * Waits until a Lambda function can serve the new code: `State: Active` and
 * `LastUpdateStatus: Successful`, polling `GetFunctionConfiguration` with
 * backoff. A `Failed` state or update fails with Lambda's reason.
 */
import { type FunctionConfiguration, GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DeployError } from './deploy-error.js';
import { describeLambdaApiError } from './lambda-api-error.js';
import { PollExhaustedError, type PollOptions, pollUntil } from './poll.js';

/** Tells whether a configuration is ready, or throws a {@link DeployError} when Lambda reports a failure. */
export function lambdaReadiness(configuration: FunctionConfiguration, functionName: string): boolean {
  if (configuration.State === 'Failed') {
    throw new DeployError(
      `The Lambda function "${functionName}" failed to become Active: ${configuration.StateReasonCode ?? 'Failed'}: ${configuration.StateReason ?? 'no reason given'}`,
      'ERR_DEPLOY_FAILED',
    );
  }
  if (configuration.LastUpdateStatus === 'Failed') {
    throw new DeployError(
      `The update of Lambda function "${functionName}" failed: ${configuration.LastUpdateStatusReasonCode ?? 'Failed'}: ${configuration.LastUpdateStatusReason ?? 'no reason given'}`,
      'ERR_DEPLOY_FAILED',
    );
  }
  const active = configuration.State === undefined || configuration.State === 'Active';
  const updated = configuration.LastUpdateStatus === undefined || configuration.LastUpdateStatus === 'Successful';
  return active && updated;
}

/** Polls until `functionName` is Active and its last update Successful; resolves with that configuration. */
export async function waitForLambdaReady(client: LambdaClient, functionName: string, poll: PollOptions = {}): Promise<FunctionConfiguration> {
  try {
    return await pollUntil<FunctionConfiguration>(async () => {
      let configuration: FunctionConfiguration;
      try {
        configuration = await client.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
      } catch (error) {
        throw describeLambdaApiError(error, 'lambda:GetFunctionConfiguration', functionName);
      }
      return lambdaReadiness(configuration, functionName) ? { done: true, value: configuration } : { done: false };
    }, poll);
  } catch (error) {
    if (error instanceof PollExhaustedError) {
      throw new DeployError(
        `The Lambda function "${functionName}" was not Active and updated after ${error.polls} checks; look at its state in the Lambda console and deploy again`,
        'ERR_DEPLOY_TIMEOUT',
        { cause: error },
      );
    }
    throw error;
  }
}
