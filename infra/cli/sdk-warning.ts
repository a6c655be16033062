/**
 * The AWS SDK warns, on a Node.js older than it will require, with
 * `process.emitWarning('NodeVersionSupportWarning: The AWS SDK for JavaScript (v3) …')`
 * (`emitWarningIfUnsupportedVersion` of `@aws-sdk/core`, called when a client
 * is created). Each copy of the SDK loaded (its ESM and CommonJS builds, or
 * two versions) warns once, so one process could print it more than once.
 * The CLI lets the first through and drops repeats; every other warning passes unchanged.
 */

/** True for the SDK's Node.js version warning. */
function isSdkNodeVersionWarning(warning: string | Error): boolean {
  const text = typeof warning === 'string' ? warning : `${warning.name}: ${warning.message}`;
  return /NodeVersionSupportWarning|NodeDeprecationWarning/.test(text) && text.includes('AWS SDK');
}

/** Makes `process.emitWarning` print the AWS SDK's Node.js version warning at most once in this process. */
export function showSdkNodeWarningOnce(): void {
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  let shown = false;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (isSdkNodeVersionWarning(warning)) {
      if (shown) return;
      shown = true;
    }
    emitWarning(warning, ...rest);
  }) as typeof process.emitWarning;
}
