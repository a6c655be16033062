/** The error of `spillway bundle`: what went wrong, which input it concerns, and the fix, in one line. */

/** Machine-readable reasons of a {@link BundleError}. */
export type BundleErrorCode = 'ERR_TASK_MODULE_NOT_FOUND' | 'ERR_BUNDLE_BUILD' | 'ERR_BUNDLE_TOO_LARGE' | 'ERR_SPILLWAY_NOT_BUILT' | 'ERR_NO_TASKS';

/** Bundling a task module failed; `field` names the option at fault (`tasks`, `out`, ...). */
export class BundleError extends Error {
  /** Why it failed. */
  readonly code: BundleErrorCode;
  /** The option or input the error concerns. */
  readonly field: string;
  constructor(message: string, options: { code: BundleErrorCode; field: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BundleError';
    this.code = options.code;
    this.field = options.field;
  }
}
