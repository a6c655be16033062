/**
 * Reads a Lambda function with `GetFunction` and tells whether spillway
 * manages it (tag `managed-by: spillway`). `GetFunction` returns `Tags` only
 * when the caller may `lambda:ListTags`; otherwise it returns `TagsError`,
 * which is reported as such (naming `lambda:ListTags`), never as "not managed".
 */
import type { GetFunctionCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { DeployError } from './deploy-error.js';
import { describeLambdaApiError, isLambdaNotFound } from './lambda-api-error.js';
import { isManagedBySpillway, MANAGED_BY_KEY, MANAGED_BY_VALUE } from './managed-by.js';
import { loadLambdaSdk } from './peers.js';

const ACCESS_CODES = new Set(['AccessDeniedException', 'AccessDenied']);

/** `GetFunction` of `functionName`, or undefined when it does not exist. */
export async function getLambdaFunction(client: LambdaClient, functionName: string): Promise<GetFunctionCommandOutput | undefined> {
  const { GetFunctionCommand } = await loadLambdaSdk();
  try {
    return await client.send(new GetFunctionCommand({ FunctionName: functionName }));
  } catch (error) {
    if (isLambdaNotFound(error)) return undefined;
    throw describeLambdaApiError(error, 'lambda:GetFunction', functionName);
  }
}

/**
 * Throws unless `existing` is tagged `managed-by: spillway`: a `TagsError`
 * (tags unreadable) throws `ERR_DEPLOY_ACCESS_DENIED` (or `ERR_DEPLOY_API`)
 * naming `lambda:ListTags`; other tags throw `ERR_DEPLOY_UNMANAGED`.
 */
export function assertManagedLambda(existing: GetFunctionCommandOutput, functionName: string, purpose: 'deploy' | 'teardown'): void {
  const tagsError = existing.TagsError;
  if (existing.Tags === undefined && tagsError !== undefined) {
    const code = tagsError.ErrorCode ?? 'TagsError';
    const detail = tagsError.Message === undefined ? code : `${code}: ${tagsError.Message}`;
    throw new DeployError(
      `Cannot tell whether spillway manages the Lambda function "${functionName}": GetFunction returned no tags (TagsError ${detail}); give the ${purpose === 'deploy' ? 'deploying' : 'deleting'} credentials lambda:ListTags on the function`,
      ACCESS_CODES.has(code) ? 'ERR_DEPLOY_ACCESS_DENIED' : 'ERR_DEPLOY_API',
    );
  }
  if (isManagedBySpillway(existing.Tags)) return;
  if (purpose === 'deploy') {
    throw new DeployError(
      `The Lambda function "${functionName}" exists but is not tagged ${MANAGED_BY_KEY}: ${MANAGED_BY_VALUE}; deploy under another --function name, or tag it to let spillway manage it`,
      'ERR_DEPLOY_UNMANAGED',
    );
  }
  throw new DeployError(
    `Refusing to delete the Lambda function "${functionName}": it is not tagged ${MANAGED_BY_KEY}: ${MANAGED_BY_VALUE}, so spillway did not deploy it`,
    'ERR_DEPLOY_UNMANAGED',
  );
}
