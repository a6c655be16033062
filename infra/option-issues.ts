/** Turns the first zod issue of a deploy option into a one-line {@link DeployError} naming the option. */
import type * as z from 'zod';
import { DeployError } from './deploy-error.js';

interface IssueShape {
  code?: string;
  path: readonly PropertyKey[];
  message: string;
  issues?: readonly { message: string }[];
}

/**
 * Parses `input` with `schema`; on failure throws a DeployError that names the option (by `labels`, else the field path)
 * and what was received. A bad record key (`--env`) names the option's keys and the key.
 */
export function parseDeployOptions<S extends z.ZodType>(schema: S, input: unknown, labels: Record<string, string>): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0] as IssueShape | undefined;
  if (issue?.code === 'invalid_key') {
    const parent = issue.path.slice(0, -1).map(String).join('.');
    const key = issue.path.at(-1);
    const label = labels[parent] ?? `\`${parent}\``;
    throw new DeployError(
      `Expected ${label} keys to be ${issue.issues?.[0]?.message ?? 'valid names'}, got ${JSON.stringify(String(key))}`,
      'ERR_DEPLOY_OPTION',
    );
  }
  const field = issue?.path.map(String).join('.') ?? '';
  const label = labels[field] ?? `\`${field}\``;
  const received = issue === undefined ? undefined : readPath(input, issue.path);
  const got = received === undefined ? 'nothing' : JSON.stringify(received);
  throw new DeployError(`Expected ${label} to be ${issue?.message ?? 'valid'}, got ${got}`, 'ERR_DEPLOY_OPTION');
}

function readPath(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
