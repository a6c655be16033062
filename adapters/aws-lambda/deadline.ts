/**
 * The Lambda function's own deadline. An envelope's `timeoutMs` is enforced
 * by the runtime; this file also keeps a task from outliving the
 * invocation: when the function's remaining time (less a reserve for the
 * answer) is shorter than the task's limit, that remaining time becomes the
 * limit, and a task that reaches it is answered as a timeout that names the
 * function's timeout, instead of Lambda stopping the function with no result.
 */
import type { ResultEnvelope } from '../../src/contract/envelope.js';
import { encodeError } from '../../src/contract/error-codec.js';
import type { Runtime } from '../../src/contract/runtime.js';
import { TimeoutError } from '../../src/errors.js';

/** The part of the Lambda context object that the handler reads. */
export interface LambdaContextLike {
  /** Milliseconds left before Lambda stops the invocation. */
  getRemainingTimeInMillis(): number;
  /** The request id (`faas.invocation_id` of the invocation's span). */
  awsRequestId?: string;
  /** The function's name (the invocation span's name). */
  functionName?: string;
}

function remainingMs(context: LambdaContextLike | undefined): number | undefined {
  if (typeof context?.getRemainingTimeInMillis !== 'function') return undefined;
  const remaining = context.getRemainingTimeInMillis();
  return typeof remaining === 'number' && Number.isFinite(remaining) ? remaining : undefined;
}

/**
 * Runs one event through the runtime within the invocation's remaining time.
 * The event is passed on untouched unless the deadline is the tighter limit,
 * in which case only its `timeoutMs` is replaced.
 */
export async function withLambdaDeadline(runtime: Runtime, event: unknown, context: LambdaContextLike | undefined, reserveMs: number): Promise<ResultEnvelope> {
  const remaining = remainingMs(context);
  if (remaining === undefined || typeof event !== 'object' || event === null || Array.isArray(event)) return runtime.execute(event);
  const requested = (event as { timeoutMs?: unknown }).timeoutMs;
  const budgetMs = Math.max(1, Math.floor(remaining - reserveMs));
  if (requested !== undefined && (typeof requested !== 'number' || requested <= budgetMs)) return runtime.execute(event);

  const result = await runtime.execute({ ...event, timeoutMs: budgetMs });
  if (result.ok || result.kind !== 'timeout') return result;
  const taskName = String((event as { task?: unknown }).task);
  const error = new TimeoutError(
    `Task "${taskName}" was still running when only ${reserveMs} ms were left before the Lambda function's own timeout (it had ${budgetMs} ms); its signal was aborted. Raise the function's timeout (at most 900 s), or run the task elsewhere`,
    { timeoutMs: budgetMs, taskName },
  );
  return { ...result, error: encodeError(error) };
}
