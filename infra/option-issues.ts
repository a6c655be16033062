/** Turns the first zod issue of a deploy option into a one-line {@link DeployError} naming the option. */
import type { z } from 'zod';
import { DeployError } from './deploy-error.js';

/** Parses `input` with `schema`; on failure throws a DeployError that names the option (by `labels`, else the field path) and what was received. */
export function parseDeployOptions<S extends z.ZodType>(schema: S, input: unknown, labels: Record<string, string>): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
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
