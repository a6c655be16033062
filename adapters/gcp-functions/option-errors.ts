/**
 * The `ValidationError` of an invalid options object: every issue as one
 * sentence naming the field, the value and the expectation, except that the
 * value of a secret is never printed.
 */
import type { z } from 'zod';
import { ValidationError } from '../../src/errors.js';
import { describeZodError, issuePath } from '../../src/zod-issues.js';

/** Keys whose values never appear in messages. */
const SECRET_KEYS = new Set<PropertyKey>(['signingSecret']);

/** Builds the error of a failed options parse; `what` names the options, e.g. "cloudFunctions options". */
export function invalidOptionsError(what: string, error: z.ZodError): ValidationError {
  for (const issue of error.issues) {
    if (SECRET_KEYS.has(issue.path[0] ?? '')) delete (issue as { input?: unknown }).input;
  }
  const first = error.issues[0];
  return new ValidationError(`Invalid ${what}: ${describeZodError('', error)}`, { path: first === undefined ? undefined : issuePath('', first) });
}
