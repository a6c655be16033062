/**
 * The execution-environment side of the cloud model: wrappers around a
 * spillway handler (`createLambdaHandler`, `createCloudFunctionHandler`)
 * that serve the INIT of a new environment as wall time before the first
 * request runs. The model's front (front.ts) decides which request starts a
 * new environment and how long its INIT takes, and tells the handler in the
 * `x-spillway-cloud-model` header (Cloud Functions) or the Lambda client
 * context (`custom["spillway-cloud-model"]`). A request without it runs
 * unchanged. Public in `spillway/dev`; entry modules of the emulators use it.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Header and client-context key of the front's instructions. */
export const MODEL_HEADER = 'x-spillway-cloud-model';

/** What the front tells the environment about one request. */
export interface EnvironmentInstructions {
  /** INIT time to serve before the handler runs, ms (0 on a warm environment). */
  initMs: number;
}

function parse(text: unknown): EnvironmentInstructions | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const value = JSON.parse(text) as { initMs?: unknown };
    return typeof value.initMs === 'number' && value.initMs >= 0 ? { initMs: value.initMs } : undefined;
  } catch {
    return undefined;
  }
}

/** A Lambda context with the client context the Invoke API passes on. */
interface ModelledLambdaContext {
  clientContext?: { custom?: Record<string, unknown> };
}

/**
 * Wraps a Lambda handler: a request the model marked cold waits out its INIT
 * first. Serve it from the module serverless-offline loads:
 * `export const handler = modelLambdaHandler(createLambdaHandler(tasks))`.
 */
export function modelLambdaHandler<Event, Context, Result>(
  handler: (event: Event, context: Context) => Promise<Result>,
): (event: Event, context: Context) => Promise<Result> {
  return async (event, context) => {
    const instructions = parse((context as ModelledLambdaContext | undefined)?.clientContext?.custom?.[MODEL_HEADER]);
    if (instructions !== undefined && instructions.initMs > 0) await sleep(instructions.initMs);
    return handler(event, context);
  };
}

/** The request side a Cloud Functions handler reads: its headers. */
interface HeaderCarrier {
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Wraps a Cloud Functions HTTP handler the same way:
 * `functions.http('spillway', modelCloudFunction(createCloudFunctionHandler(tasks)))`.
 */
export function modelCloudFunction<Req extends HeaderCarrier, Res>(handler: (req: Req, res: Res) => Promise<void>): (req: Req, res: Res) => Promise<void> {
  return async (req, res) => {
    const instructions = parse(req.headers[MODEL_HEADER]);
    if (instructions !== undefined && instructions.initMs > 0) await sleep(instructions.initMs);
    return handler(req, res);
  };
}
