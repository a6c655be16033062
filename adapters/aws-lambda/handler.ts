/**
 * `spillway/aws-lambda/handler`: the function side of the Lambda backend.
 * {@link createLambdaHandler} turns a task module into a Lambda handler that
 * runs each task envelope through the shared runtime, so a task behaves on
 * Lambda exactly as it does on a local worker. This entry point does not
 * import the AWS SDK, so function bundles stay small.
 * @packageDocumentation
 */
import { type HandlerTaskModule, openHandlerModule } from '../../src/backends/handler-module.js';
import { withPayloadRefs } from '../../src/backends/payload-ref-runtime.js';
import { takeColdStartMs } from '../../src/contract/cold-start.js';
import type { ResultEnvelope } from '../../src/contract/envelope.js';
import { withInvocationSpan } from '../../src/observability/invocation-span.js';
import { type LambdaContextLike, withLambdaDeadline } from './deadline.js';
import { type LambdaHandlerOptions, resolveLambdaHandlerOptions } from './handler-options.js';

export type { HandlerTaskModule } from '../../src/backends/handler-module.js';
export { BUNDLE_HASH_ENV } from '../../src/contract/platform.js';
export type { LambdaContextLike } from './deadline.js';
export type { LambdaHandlerOptions } from './handler-options.js';

/**
 * A Lambda handler for direct `Invoke` calls: the event is a `TaskEnvelope`
 * (as JSON), the answer a `ResultEnvelope`. Task errors, invalid input, an
 * unknown task and a stale bundle are answered as data; it throws only when
 * the task module cannot be loaded, which Lambda reports as a function error.
 */
export type LambdaHandler = (event: unknown, context?: LambdaContextLike) => Promise<ResultEnvelope>;

/**
 * Creates the Lambda handler for a task module.
 *
 * `taskModule` is either the module's location (a `file:` URL or a path: the
 * handler imports and hashes it once, starting at creation, which on Lambda
 * is the function's init phase; a failed import is retried by the next
 * invocation) or the module namespace itself (`import * as tasks from
 * './tasks.js'`, as a bundler sees it) together with `options.bundleHash` or
 * the `SPILLWAY_BUNDLE_HASH` environment variable. The rules are those of
 * `src/backends/handler-module.ts`, shared with the Cloud Functions handler.
 *
 * The handler runs only the `offloadable` tasks the module exports, looked up
 * by name; nothing from an event is evaluated as code. `timeoutMs` of an
 * envelope is enforced here, and so is the function's own remaining time
 * (see {@link LambdaHandlerOptions.responseReserveMs}).
 *
 * An envelope whose payloads travel by reference (a `payloadStore` on the
 * caller's `lambda()`) has its input fetched from a presigned URL and an
 * output over its limit PUT to another, with `node:http`/`node:https`: the function
 * needs no storage SDK and no IAM permission for the bucket.
 *
 * The event's optional `headers` (`traceparent`, `tracestate`) carry the
 * caller's trace context: the task runs in it, and when the function's
 * process registers an OpenTelemetry tracer provider, each invocation is a
 * SERVER span with `faas.trigger` `other`, `faas.coldstart` and
 * `faas.invocation_id` (the request id).
 *
 * @example
 * // handler.ts, bundled and deployed as the Lambda function's handler
 * import { createLambdaHandler } from 'spillway/aws-lambda/handler';
 * import * as tasks from './tasks.js';
 * export const handler = createLambdaHandler(tasks, { bundleHash: process.env.SPILLWAY_BUNDLE_HASH });
 *
 * @throws {ValidationError} when a module namespace comes without any bundle hash or without tasks, or an option is invalid.
 */
export function createLambdaHandler(taskModule: HandlerTaskModule, options: LambdaHandlerOptions = {}): LambdaHandler {
  const { bundleHash, responseReserveMs } = resolveLambdaHandlerOptions(options);
  const module = openHandlerModule(taskModule, { bundleHash, entry: 'createLambdaHandler', backend: 'aws-lambda' });
  return async (event, context) => {
    const coldStartMs = takeColdStartMs('lambda');
    const runtime = withPayloadRefs(module.loaded ?? (await module.runtime()));
    const facts = {
      trigger: 'other' as const,
      invocationId: context?.awsRequestId,
      functionName: context?.functionName ?? process.env.AWS_LAMBDA_FUNCTION_NAME,
    };
    const result = await withInvocationSpan(facts, event, undefined, () => withLambdaDeadline(runtime, event, context, responseReserveMs));
    // The first invocation of an environment reports its INIT, which Lambda bills.
    return coldStartMs === undefined ? result : { ...result, coldStartMs };
  };
}
