/**
 * `spillway/aws-lambda/handler`: the function side of the Lambda backend.
 * {@link createLambdaHandler} turns a task module into a Lambda handler that
 * runs each task envelope through the shared runtime, so a task behaves on
 * Lambda exactly as it does on a local worker. This entry point does not
 * import the AWS SDK, so function bundles stay small.
 * @packageDocumentation
 */
import type { ResultEnvelope } from '../../src/contract/envelope.js';
import { ValidationError } from '../../src/errors.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { createTaskRegistry, loadTaskModule, type TaskModuleLocation } from '../../src/task-module.js';
import { type LambdaContextLike, withLambdaDeadline } from './deadline.js';

export type { LambdaContextLike } from './deadline.js';

/** Environment variable that holds the task module's content hash when the handler gets a module namespace. */
export const BUNDLE_HASH_ENV = 'SPILLWAY_BUNDLE_HASH';

/** Options of {@link createLambdaHandler}. */
export interface LambdaHandlerOptions {
  /**
   * Content hash of the task module (what `hashTaskModule(tasksUrl)` returns
   * on the caller's side). Required when `taskModule` is a module namespace,
   * since a bundled function cannot hash the original file; when
   * `taskModule` is a URL it overrides the hash of that file.
   * @default process.env.SPILLWAY_BUNDLE_HASH, else (for a URL) the file's own hash
   */
  bundleHash?: string;
  /**
   * Time kept back from the function's remaining time to encode and return
   * the answer. A task still running when only this much time is left is
   * answered as a timeout (its signal aborts), instead of Lambda killing the
   * function with no result.
   * @default 250
   */
  responseReserveMs?: number;
}

/**
 * A Lambda handler for direct `Invoke` calls: the event is a `TaskEnvelope`
 * (as JSON), the answer a `ResultEnvelope`. Task errors, invalid input, an
 * unknown task and a stale bundle are answered as data; it throws only when
 * the task module cannot be loaded, which Lambda reports as a function error.
 */
export type LambdaHandler = (event: unknown, context?: LambdaContextLike) => Promise<ResultEnvelope>;

const DEFAULT_RESPONSE_RESERVE_MS = 250;

function isLocation(value: unknown): value is TaskModuleLocation {
  return value instanceof URL || typeof value === 'string';
}

function checkReserve(value: number | undefined): number {
  if (value === undefined) return DEFAULT_RESPONSE_RESERVE_MS;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ValidationError(`Expected \`responseReserveMs\` of createLambdaHandler to be a number >= 0, got ${String(value)}`, {
      path: 'responseReserveMs',
    });
  }
  return value;
}

function namespaceRuntime(namespace: Record<string, unknown>, bundleHash: string | undefined): Runtime {
  if (bundleHash === undefined || bundleHash === '') {
    throw new ValidationError(
      `createLambdaHandler got a module namespace but no bundle hash: pass \`options.bundleHash\` (the hash \`spillway inspect --tasks <module>\` prints), set the ${BUNDLE_HASH_ENV} environment variable of the function, or pass the task module's URL so the handler hashes the file itself`,
      { path: 'bundleHash' },
    );
  }
  return createRuntime(createTaskRegistry(namespace), { bundleHash, enforceTimeouts: true });
}

/**
 * Creates the Lambda handler for a task module.
 *
 * `taskModule` is either the module's location (a `file:` URL or a path: the
 * handler imports and hashes it once, starting at creation, which on Lambda is
 * the function's init phase) or
 * the module namespace itself (`import * as tasks from './tasks.js'`, as a
 * bundler sees it) together with `options.bundleHash` or the
 * `SPILLWAY_BUNDLE_HASH` environment variable.
 *
 * The handler runs only the `offloadable` tasks the module exports, looked up
 * by name; nothing from an event is evaluated as code. `timeoutMs` of an
 * envelope is enforced here, and so is the function's own remaining time
 * (see {@link LambdaHandlerOptions.responseReserveMs}).
 *
 * @example
 * // handler.ts, bundled and deployed as the Lambda function's handler
 * import { createLambdaHandler } from 'spillway/aws-lambda/handler';
 * import * as tasks from './tasks.js';
 * export const handler = createLambdaHandler(tasks, { bundleHash: process.env.SPILLWAY_BUNDLE_HASH });
 *
 * @throws {ValidationError} when a module namespace comes without any bundle hash, or an option is invalid.
 */
export function createLambdaHandler(taskModule: TaskModuleLocation | Record<string, unknown>, options: LambdaHandlerOptions = {}): LambdaHandler {
  const reserveMs = checkReserve(options.responseReserveMs);
  const explicitHash = options.bundleHash ?? process.env[BUNDLE_HASH_ENV];
  let runtime: Runtime | undefined;
  let loading: Promise<Runtime> | undefined;

  if (isLocation(taskModule)) {
    const load = async (): Promise<Runtime> => {
      const { registry, bundleHash } = await loadTaskModule(taskModule);
      return createRuntime(registry, { bundleHash: explicitHash || bundleHash, enforceTimeouts: true });
    };
    const start = (): Promise<Runtime> => {
      const attempt = load().then(
        (loaded) => {
          runtime = loaded;
          return loaded;
        },
        (error: unknown) => {
          // The next invocation tries again (for example after a transient file-system error).
          loading = undefined;
          const where = taskModule instanceof URL ? taskModule.href : taskModule;
          throw new Error(`spillway could not load the task module ${where}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
        },
      );
      // Loading starts with the function's init phase; a failure is reported by the invocation that awaits it.
      attempt.catch(() => undefined);
      return attempt;
    };
    loading = start();
    return async (event, context) => {
      let ready = runtime;
      if (ready === undefined) {
        loading ??= start();
        ready = await loading;
      }
      return withLambdaDeadline(ready, event, context, reserveMs);
    };
  }

  if (typeof taskModule !== 'object' || taskModule === null) {
    throw new ValidationError(
      `Expected the first argument of createLambdaHandler to be the task module's URL or its namespace object (import * as tasks from './tasks.js'), got ${taskModule === null ? 'null' : typeof taskModule}`,
      { path: 'taskModule' },
    );
  }
  const ready = namespaceRuntime(taskModule, explicitHash);
  return (event, context) => withLambdaDeadline(ready, event, context, reserveMs);
}
