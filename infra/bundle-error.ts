/** The error of `spillway bundle` and `startDev`: an {@link OffloadError} whose one-line message names the input at fault and the fix. */
import { type BundleErrorCode, OffloadError } from '../src/errors.js';

/** Bundling a task module failed; `field` names the option at fault (`tasks`, `out`, ...). Never retryable. */
export class BundleError extends OffloadError {
  /** Why it failed. */
  declare readonly code: BundleErrorCode;
  /** The option or input the error concerns. */
  readonly field: string;
  /** Creates the error; `cause` keeps the esbuild or file-system error behind it. */
  constructor(message: string, options: { code: BundleErrorCode; field: string; cause?: unknown }) {
    super(message, { code: options.code, retryable: false }, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'BundleError';
    this.field = options.field;
  }
}
