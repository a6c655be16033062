/**
 * The wire format of an invocation. Request: the task envelope as the JSON
 * bytes Lambda passes to the handler as its event (encoded by
 * `src/backends/spill.ts`: refused before sending when it is over 6 MB, or
 * with its input in the payload store). Response: Lambda's `InvokeCommand` output becomes the
 * handler's result envelope, or a `LambdaInvokeError` when the function's
 * runtime failed (`FunctionError`) or answered something that is not a
 * spillway result envelope.
 */
import type { InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { ResultEnvelope } from '../../src/contract/envelope.js';
import { describeZodError } from '../../src/zod-issues.js';
import { LambdaInvokeError, type LambdaInvokeErrorDetails } from './errors.js';

/** Largest request payload of a synchronous (`RequestResponse`) invocation: 6 MB. */
export const LAMBDA_MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** Which invocation an answer belongs to. */
export interface InvocationTarget {
  /** Backend name, for the errors' `backend`. */
  backend: string;
  functionName: string;
  qualifier?: string;
  /** Id of the envelope that was sent; the answer must carry the same id. */
  taskId: string;
  taskName: string;
}

const decoder = new TextDecoder();

/** Decodes `LogResult` (base64 of the log's last 4 KB) to text. */
export function decodeLogTail(logResult: string | undefined): string | undefined {
  if (logResult === undefined || logResult === '') return undefined;
  return Buffer.from(logResult, 'base64').toString('utf8');
}

function describeTarget(target: InvocationTarget): string {
  return `"${target.functionName}${target.qualifier === undefined ? '' : `:${target.qualifier}`}"`;
}

function parseJson(bytes: Uint8Array | undefined): { ok: true; value: unknown } | { ok: false; text: string } {
  const text = bytes === undefined ? '' : decoder.decode(bytes);
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, text };
  }
}

function clip(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function details(target: InvocationTarget, output: InvokeCommandOutput, extra: Partial<LambdaInvokeErrorDetails> = {}): LambdaInvokeErrorDetails {
  const logTail = decodeLogTail(output.LogResult);
  return {
    functionName: target.functionName,
    ...(target.qualifier === undefined ? {} : { qualifier: target.qualifier }),
    ...(output.StatusCode === undefined ? {} : { statusCode: output.StatusCode }),
    ...(output.$metadata?.requestId === undefined ? {} : { requestId: output.$metadata.requestId }),
    ...(logTail === undefined ? {} : { logTail }),
    ...extra,
  };
}

function functionFailure(target: InvocationTarget, output: InvokeCommandOutput): LambdaInvokeError {
  const functionError = output.FunctionError ?? 'Unhandled';
  const payload = parseJson(output.Payload);
  const body = payload.ok && typeof payload.value === 'object' && payload.value !== null ? (payload.value as Record<string, unknown>) : {};
  const errorType = typeof body.errorType === 'string' ? body.errorType : undefined;
  const errorMessage = typeof body.errorMessage === 'string' ? body.errorMessage : payload.ok ? undefined : clip(payload.text);
  const what = [errorType, errorMessage].filter((part) => part !== undefined && part !== '').join(': ') || 'no error details in the payload';
  return new LambdaInvokeError(
    `The Lambda function ${describeTarget(target)} failed outside the task (FunctionError "${functionError}"): ${what}. This is a fault of the function's runtime, such as its timeout, its memory limit or a crash while loading the handler or the task module; the task's own errors never arrive this way. See \`logTail\` or the function's CloudWatch logs, and raise the function's timeout or memory, or fix and redeploy the bundle`,
    details(target, output, { functionError, ...(errorType === undefined ? {} : { errorType }) }),
    // Retryable: an idempotent task may succeed on a fresh execution environment or on another backend (no Lambda timeout or memory cap locally).
    { code: 'ERR_LAMBDA_FUNCTION_ERROR', retryable: true, taskName: target.taskName, taskId: target.taskId, backend: target.backend },
  );
}

function badResponse(target: InvocationTarget, output: InvokeCommandOutput, problem: string): LambdaInvokeError {
  return new LambdaInvokeError(
    `The Lambda function ${describeTarget(target)} answered task "${target.taskName}" with ${problem}. Deploy a function whose handler is createLambdaHandler from spillway/aws-lambda/handler (spillway bundle && spillway deploy lambda), with the same spillway version as the caller`,
    details(target, output),
    { code: 'ERR_LAMBDA_BAD_RESPONSE', retryable: false, taskName: target.taskName, taskId: target.taskId, backend: target.backend },
  );
}

/**
 * Turns the output of a `RequestResponse` invocation into the handler's
 * result envelope. Task errors arrive inside it (`ok: false`), exactly as
 * from the local pool.
 * @throws {LambdaInvokeError} `ERR_LAMBDA_FUNCTION_ERROR` when `FunctionError` is set, `ERR_LAMBDA_BAD_RESPONSE` when the payload is no result envelope for this task.
 */
export function decodeInvokeOutput(output: InvokeCommandOutput, target: InvocationTarget): ResultEnvelope {
  if (output.FunctionError !== undefined && output.FunctionError !== '') throw functionFailure(target, output);
  const payload = parseJson(output.Payload);
  if (!payload.ok) {
    throw badResponse(target, output, payload.text === '' ? 'an empty payload' : `a payload that is not JSON: ${JSON.stringify(clip(payload.text))}`);
  }
  const parsed = ResultEnvelope.safeParse(payload.value, { reportInput: true });
  if (!parsed.success) {
    throw badResponse(target, output, `a payload that is not a spillway result envelope (${describeZodError('payload', parsed.error)})`);
  }
  const envelopeRefused = !parsed.data.ok && parsed.data.kind === 'bad-envelope';
  if (parsed.data.id !== target.taskId && !envelopeRefused) {
    throw badResponse(target, output, `the result of another task id (${JSON.stringify(parsed.data.id)} instead of ${JSON.stringify(target.taskId)})`);
  }
  return parsed.data;
}
