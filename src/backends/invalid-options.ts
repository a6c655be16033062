/**
 * The `ValidationError` of an adapter's invalid options object: every issue
 * as one sentence naming the field, the value and the expectation ("Expected
 * `maxConcurrency` to be >= 1, got 0"), except that the value of a secret is
 * never printed (and a too short one says how to make one).
 */
import type * as z from 'zod';
import { ValidationError } from '../errors.js';
import { describeIssue, issuePath } from '../zod-issues.js';

/** Keys whose values never appear in messages. */
const SECRET_KEYS: ReadonlySet<PropertyKey> = new Set(['signingSecret']);

function describe(issue: z.core.$ZodIssue): string {
  if (!SECRET_KEYS.has(issue.path[0] ?? '')) return describeIssue('', issue);
  const { input: _secret, ...withoutInput } = issue as z.core.$ZodIssue & { input?: unknown };
  const sentence = describeIssue('', withoutInput as z.core.$ZodIssue);
  return issue.code === 'too_small' ? `${sentence}: generate one with \`openssl rand -hex 32\`` : sentence;
}

/** Builds the error of a failed options parse; `what` names the options, e.g. "cloudFunctions options". */
export function invalidOptionsError(what: string, error: z.ZodError): ValidationError {
  const first = error.issues[0];
  return new ValidationError(`Invalid ${what}: ${error.issues.map(describe).join('; ')}`, { path: first === undefined ? undefined : issuePath('', first) });
}

/** Parses `options` with `schema` (reporting the offending values); throws {@link invalidOptionsError} on failure. */
export function parseOptions<Schema extends z.ZodType>(schema: Schema, options: unknown, what: string): z.output<Schema> {
  const parsed = schema.safeParse(options, { reportInput: true });
  if (!parsed.success) throw invalidOptionsError(what, parsed.error);
  return parsed.data;
}
