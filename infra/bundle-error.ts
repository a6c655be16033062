/** The error of `spillway bundle` and `startDev`: an {@link OffloadError} whose one-line message names the input at fault and the fix. */
import { OffloadError } from '../src/errors.js';

/** Machine-readable reasons of a {@link BundleError}. */
export type BundleErrorCode = 'ERR_TASK_MODULE_NOT_FOUND' | 'ERR_BUNDLE_BUILD' | 'ERR_BUNDLE_TOO_LARGE' | 'ERR_SPILLWAY_NOT_BUILT' | 'ERR_NO_TASKS';

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
