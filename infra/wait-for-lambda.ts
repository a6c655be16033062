/**
 * Waits for a Lambda function with the SDK's own waiters
 * (`waitUntilFunctionActiveV2`, `waitUntilFunctionUpdatedV2`,
 * `waitUntilPublishedVersionActive`). When a waiter gives up, one
 * `GetFunctionConfiguration` says why: Lambda's `StateReason` or
 * `LastUpdateStatusReason` for a failure, the API error when the read is
 * refused, otherwise a timeout.
 */
import {
  type FunctionConfiguration,
  GetFunctionConfigurationCommand,
  type LambdaClient,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  waitUntilPublishedVersionActive,
} from '@aws-sdk/client-lambda';
import { DeployError } from './deploy-error.js';
import { describeLambdaApiError } from './lambda-api-error.js';

/** How long and how often the waits check. */
export interface LambdaWaitOptions {
  /**
   * Longest wait for one change (creation, an update, a published version).
   * @default 900_000 (15 minutes)
   */
  maxWaitMs?: number;
  /**
   * Shortest delay between two checks; later delays grow with jitter.
   * @default 1000
   */
  minDelayMs?: number;
  /**
   * Longest delay between two checks.
   * @default 10_000
   */
  maxDelayMs?: number;
}

/** What to wait for: a created function to be Active, an update to finish, or a published version to be Active. */
export type LambdaWaitFor = 'active' | 'updated' | { publishedVersion: string };

/** Tells whether a configuration reports a failure, and throws a {@link DeployError} with Lambda's reason when it does. */
function throwIfLambdaFailed(configuration: FunctionConfiguration, functionName: string): void {
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
}

function describeWait(waitFor: LambdaWaitFor): string {
  if (waitFor === 'active') return 'Active';
  if (waitFor === 'updated') return 'updated';
  return `Active in version ${waitFor.publishedVersion}`;
}

async function explainWaitFailure(client: LambdaClient, functionName: string, waitFor: LambdaWaitFor, waitedMs: number, cause: unknown): Promise<DeployError> {
  const qualifier = typeof waitFor === 'object' ? { Qualifier: waitFor.publishedVersion } : {};
  let configuration: FunctionConfiguration;
  try {
    configuration = await client.send(new GetFunctionConfigurationCommand({ FunctionName: functionName, ...qualifier }));
  } catch (error) {
    return describeLambdaApiError(error, 'lambda:GetFunctionConfiguration', functionName);
  }
  try {
    throwIfLambdaFailed(configuration, functionName);
  } catch (error) {
    return error as DeployError;
  }
  return new DeployError(
    `The Lambda function "${functionName}" was not ${describeWait(waitFor)} after ${Math.round(waitedMs / 1000)} s (State ${configuration.State ?? 'unknown'}, LastUpdateStatus ${configuration.LastUpdateStatus ?? 'unknown'}); look at it in the Lambda console and deploy again`,
    'ERR_DEPLOY_TIMEOUT',
    { cause },
  );
}

/** Waits until `waitFor` holds for `functionName`; resolves with the function's (or version's) configuration. */
export async function waitForLambda(
  client: LambdaClient,
  functionName: string,
  waitFor: LambdaWaitFor,
  options: LambdaWaitOptions = {},
): Promise<FunctionConfiguration> {
  const { maxWaitMs = 900_000, minDelayMs = 1000, maxDelayMs = 10_000 } = options;
  const params = { client, maxWaitTime: maxWaitMs / 1000, minDelay: minDelayMs / 1000, maxDelay: Math.max(minDelayMs, maxDelayMs) / 1000 };
  const started = Date.now();
  try {
    if (typeof waitFor === 'object') {
      const { reason } = await waitUntilPublishedVersionActive(params, { FunctionName: functionName, Qualifier: waitFor.publishedVersion });
      return reason as FunctionConfiguration;
    }
    const waiter = waitFor === 'active' ? waitUntilFunctionActiveV2 : waitUntilFunctionUpdatedV2;
    const { reason } = await waiter(params, { FunctionName: functionName });
    return reason?.Configuration ?? {};
  } catch (error) {
    throw await explainWaitFailure(client, functionName, waitFor, Date.now() - started, error);
  }
}
