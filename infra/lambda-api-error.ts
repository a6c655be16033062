/** Turns an error thrown by a Lambda control-plane call into a one-line {@link DeployError} that says what to fix. */
import { DeployError } from './deploy-error.js';

const ACCESS = new Set(['AccessDeniedException', 'AccessDenied', 'UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException']);

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** The SDK error's name (`ResourceNotFoundException`, …), or undefined. */
export function sdkErrorName(error: unknown): string | undefined {
  const name = (error as SdkErrorShape | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

/** Tells whether a Lambda call failed because the function or alias does not exist. */
export function isLambdaNotFound(error: unknown): boolean {
  return sdkErrorName(error) === 'ResourceNotFoundException' || (error as SdkErrorShape | null)?.$metadata?.httpStatusCode === 404;
}

/** Describes the failure of `action` (an IAM action such as `lambda:CreateFunction`) on `functionName`. */
export function describeLambdaApiError(error: unknown, action: string, functionName: string): DeployError {
  const shape = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as SdkErrorShape;
  const name = sdkErrorName(shape) ?? 'Error';
  const message = typeof shape.message === 'string' ? shape.message : String(error);
  const what = message === '' || message === name ? name : `${name}: ${message}`;
  const status = shape.$metadata?.httpStatusCode;
  if (ACCESS.has(name) || status === 401 || status === 403) {
    const passRole = action === 'lambda:CreateFunction' || action === 'lambda:UpdateFunctionConfiguration' ? ' and iam:PassRole on the execution role' : '';
    return new DeployError(
      `Not allowed to call ${action} on "${functionName}" (${what}); give the deploying credentials ${action}${passRole}, and check they are set and not expired`,
      'ERR_DEPLOY_ACCESS_DENIED',
      { cause: error },
    );
  }
  if (isLambdaNotFound(shape)) {
    return new DeployError(`${action} on "${functionName}" found nothing (${what}); check --function and --region`, 'ERR_DEPLOY_NOT_FOUND', { cause: error });
  }
  return new DeployError(`${action} on "${functionName}" failed (${what})`, 'ERR_DEPLOY_API', { cause: error });
}
