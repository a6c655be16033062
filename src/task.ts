/**
 * `offloadable()`: a task function with a name, optional zod schemas and
 * per-task limits. The result is still callable like the original function
 * (it validates and runs inline, in whatever thread calls it) and carries its
 * definition so an offloader can run it on a worker or a remote.
 */
import type * as z from 'zod';
import { ValidationError } from './errors.js';
import { type InputOf, type ResolvedTaskDefinition, resolveDefinition, type TaskContext, type TaskDefinition } from './task-definition.js';
import { describeZodError, issuePath } from './zod-issues.js';

export type { DataLocation, ResolvedTaskDefinition, TaskContext, TaskDefinition } from './task-definition.js';

const OFFLOADABLE = Symbol.for('spillway.offloadable');

/** A task: callable inline like the original function, and runnable by an offloader. */
export interface Offloadable<In, Out> {
  /** Validates the input, runs the function in this thread, validates the output. */
  (input: In): Promise<Out>;
  /** The task's definition with defaults applied. */
  readonly definition: ResolvedTaskDefinition;
  /** @internal Runs with an explicit context; used by the runtime. */
  readonly invoke: (input: unknown, context: TaskContext) => Promise<Out>;
}

/** Any task, whatever its input and output. */
// biome-ignore lint/suspicious/noExplicitAny: variance: a task of any input must be accepted here.
export type AnyOffloadable = Offloadable<any, unknown>;
/** The input type a task accepts. */
export type TaskInput<T> = T extends Offloadable<infer In, unknown> ? In : never;
/** The output type a task resolves to. */
export type TaskOutput<T> = T extends Offloadable<never, infer Out> ? Out : never;

type ParsedOf<S, Fallback> = S extends z.ZodType ? z.output<S> : Fallback;

/** True when `value` is a task made by {@link offloadable} (from any copy of spillway). */
export function isOffloadable(value: unknown): value is AnyOffloadable {
  return typeof value === 'function' && (value as unknown as Record<symbol, unknown>)[OFFLOADABLE] === true;
}

function validate(schema: z.ZodType | undefined, value: unknown, root: 'input' | 'output', taskName: string): unknown {
  if (schema === undefined) return value;
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  throw new ValidationError(`Invalid ${root} for task "${taskName}": ${describeZodError(root, parsed.error)}`, {
    path: first === undefined ? root : issuePath(root, first),
    code: root === 'input' ? 'ERR_INVALID_INPUT' : 'ERR_INVALID_OUTPUT',
    taskName,
  });
}

const INLINE_SIGNAL = new AbortController().signal;

/**
 * Wraps a task function so it can run inline, on a local worker or on a remote.
 *
 * @example
 * export const digest = offloadable(
 *   { name: 'digest', input: z.object({ text: z.string(), rounds: z.number().int().min(1) }), output: z.string() },
 *   async ({ text, rounds }) => sha256Rounds(text, rounds),
 * );
 */
export function offloadable<
  InputSchema extends z.ZodType | undefined = undefined,
  OutputSchema extends z.ZodType | undefined = undefined,
  Input = unknown,
  Result = unknown,
>(
  definition: TaskDefinition<InputSchema, OutputSchema, Input>,
  fn: (input: ParsedOf<InputSchema, Input>, context: TaskContext) => Result,
): Offloadable<InputOf<InputSchema, Input>, OutputSchema extends z.ZodType ? z.output<OutputSchema> : Awaited<Result>>;
/** Shorthand without schemas: `offloadable('name', fn)`. */
export function offloadable<Input, Result>(name: string, fn: (input: Input, context: TaskContext) => Result): Offloadable<Input, Awaited<Result>>;
export function offloadable(
  definitionOrName: string | TaskDefinition<z.ZodType | undefined, z.ZodType | undefined>,
  fn: (input: unknown, context: TaskContext) => unknown,
): AnyOffloadable {
  const definition = resolveDefinition(typeof definitionOrName === 'string' ? { name: definitionOrName } : definitionOrName);
  if (typeof fn !== 'function') {
    throw new ValidationError(`Expected the second argument of offloadable("${definition.name}") to be the task function, got ${typeof fn}`, { path: 'fn' });
  }
  const invoke = async (input: unknown, context: TaskContext): Promise<unknown> => {
    const parsedInput = validate(definition.input, input, 'input', definition.name);
    const output = await fn(parsedInput, context);
    return validate(definition.output, output, 'output', definition.name);
  };
  const task = (input: unknown) => invoke(input, { signal: INLINE_SIGNAL, taskId: '', attempt: 1, backend: 'inline' });
  Object.defineProperty(task, 'name', { value: definition.name });
  Object.defineProperties(task, {
    definition: { value: definition, enumerable: true },
    invoke: { value: invoke },
    [OFFLOADABLE]: { value: true },
  });
  return task as unknown as AnyOffloadable;
}
