/**
 * The CLI's exit codes: 0 for success (and `--help`, `--version`), 2 for a
 * usage error (commander's own: unknown option or command, missing required
 * option, bad option argument; and spillway's checks of option values:
 * `ERR_VALIDATION`, `ERR_DEPLOY_OPTION`, and `ERR_TASK_MODULE_NOT_FOUND` for a
 * `--tasks` that names no file), 1 for any other failure (a missing bundle
 * included: that is a step not run yet, not a mistyped option).
 */
import { CommanderError } from 'commander';
import { isOffloadError } from '../../src/errors.js';

/** Exit code of a usage error. */
const EXIT_USAGE = 2;
/** Exit code of a failure. */
const EXIT_FAILURE = 1;

const USAGE_CODES = new Set(['ERR_VALIDATION', 'ERR_DEPLOY_OPTION', 'ERR_TASK_MODULE_NOT_FOUND']);

/** The exit code for what `parseAsync` rejected with. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
  if (isOffloadError(error) && USAGE_CODES.has(error.code)) return EXIT_USAGE;
  return EXIT_FAILURE;
}

/** The one line printed for a failure; commander has already printed its own errors, so those print nothing. */
export function errorLine(error: unknown): string | undefined {
  if (error instanceof CommanderError) return undefined;
  const message = error instanceof Error ? error.message : String(error);
  return `spillway: ${message}`;
}
