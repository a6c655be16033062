/**
 * The one error type the deploy, teardown and iam-policy scripts throw: an
 * {@link OffloadError} whose one-line message names the field and the fix.
 */
import { type DeployErrorCode, isOffloadError, OffloadError } from '../src/errors.js';

export type { DeployErrorCode } from '../src/errors.js';

/** A deploy, teardown or policy step that cannot go on; its message is one line a person can act on. Never retryable. */
export class DeployError extends OffloadError {
  /** What kind of problem this is. */
  declare readonly code: DeployErrorCode;

  /** Creates the error; `cause` keeps the SDK or HTTP error behind it. */
  constructor(message: string, code: DeployErrorCode, options?: { cause?: unknown }) {
    super(message, { code, retryable: false }, options?.cause === undefined ? {} : { cause: options.cause });
    this.name = 'DeployError';
  }
}

/** Tells whether `value` is a {@link DeployError}, also across two installed copies of spillway. */
export function isDeployError(value: unknown): value is DeployError {
  return isOffloadError(value) && value.name === 'DeployError';
}
