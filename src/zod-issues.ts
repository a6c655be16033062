/**
 * Turns zod issues into one readable sentence that names the field, the
 * value and the expectation, in the style
 * "Expected `local.maxWorkers` to be >= 1, got 0".
 */
import { inspect } from 'node:util';
import type * as z from 'zod';

function formatPath(root: string, path: readonly PropertyKey[]): string {
  let text = root;
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) text += text === '' ? key : `.${key}`;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text === '' ? '(root)' : text;
}

function show(value: unknown): string {
  return inspect(value, { depth: 1, breakLength: Number.POSITIVE_INFINITY, maxArrayLength: 5, maxStringLength: 60 });
}

/** The path of an issue below `root`, e.g. `input.items[3].rounds`; for an unknown key, the key itself. */
export function issuePath(root: string, issue: z.core.$ZodIssue): string {
  const path = issue.code === 'unrecognized_keys' && issue.keys.length > 0 ? [...issue.path, issue.keys[0]] : issue.path;
  return formatPath(root, path);
}

/** One sentence for one issue. Parse with `reportInput: true` so the offending value can be shown. */
export function describeIssue(root: string, issue: z.core.$ZodIssue): string {
  const path = issuePath(root, issue);
  const got = 'input' in issue ? `, got ${show(issue.input)}` : '';
  switch (issue.code) {
    case 'too_small':
      return `Expected \`${path}\` to be ${issue.inclusive === false ? '>' : '>='} ${String(issue.minimum)}${issue.origin === 'string' || issue.origin === 'array' ? ` in length` : ''}${got}`;
    case 'too_big':
      return `Expected \`${path}\` to be ${issue.inclusive === false ? '<' : '<='} ${String(issue.maximum)}${issue.origin === 'string' || issue.origin === 'array' ? ` in length` : ''}${got}`;
    case 'invalid_type':
      return `Expected \`${path}\` to be ${issue.expected === 'int' ? 'an integer' : `of type ${issue.expected}`}${got}`;
    case 'unrecognized_keys': {
      // `path` already ends with the first unknown key; name each key below the object that holds it.
      const parent = issue.path.length === 0 ? root : formatPath(root, issue.path);
      return `Unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `\`${formatPath(parent, [key])}\``).join(', ')}: remove ${issue.keys.length > 1 ? 'them' : 'it'} or check the spelling`;
    }
    default:
      return `Invalid \`${path}\`: ${issue.message}${got}`;
  }
}

/** All issues of a failed parse, one sentence each, joined with "; ". */
export function describeZodError(root: string, error: z.ZodError): string {
  return error.issues.map((issue) => describeIssue(root, issue)).join('; ');
}
