/**
 * The one way a cloud handler gets its runtime: the task module it serves,
 * given as a location or as an imported namespace, turned into the shared
 * `createRuntime` under the right bundle hash. Both adapters' handlers use
 * it, so they follow the same rules:
 *
 * 1. The bundle hash is the `bundleHash` option, else the non-empty
 *    `SPILLWAY_BUNDLE_HASH` environment variable, else (for a location only)
 *    the content hash of the module file. An explicit hash wins because a
 *    bundler's output hashes differently from the caller's source.
 * 2. A namespace without a hash, or a value that is neither a location nor
 *    a namespace, throws `ValidationError` when the handler is created.
 * 3. A module that exports no `offloadable` task is refused with
 *    `ValidationError`: at creation for a namespace, on load for a location.
 * 4. A location is imported once, starting when the handler is created (a
 *    function's init phase). A failed load rejects the requests waiting for
 *    it with an `Error` whose message starts "spillway could not load the
 *    task module <where>: " (the reason is its `cause`), and the next request
 *    starts a new load (a transient file-system error does not break the
 *    instance for good).
 * 5. The runtime enforces each envelope's `timeoutMs` itself.
 * 6. In the function bundles `spillway bundle` builds, whose entry always
 *    passes the namespace, `globalThis.__spillwayNamespaceBundle` is
 *    replaced by `true` at build time (esbuild `define`, see
 *    infra/bundle-targets.ts): the location branch and the loader it imports
 *    (task-module-load.ts and es-module-lexer, ~17 kB) drop out of them.
 */
import { BUNDLE_HASH_ENV } from '../contract/platform.js';
import { createRuntime, type Runtime } from '../contract/runtime.js';
import { createTaskRegistry, type TaskModuleLocation, type TaskRegistry, workerStartOf } from '../contract/task-module.js';
import { ValidationError } from '../errors.js';
import { driftSince, takeBaseline } from './global-drift.js';

/** The task module a handler serves: its location (`new URL('./tasks.js', import.meta.url)` or a path), or its namespace (`import * as tasks from './tasks.js'`). */
export type HandlerTaskModule = TaskModuleLocation | Readonly<Record<string, unknown>>;

/** Options of {@link openHandlerModule}. */
export interface HandlerModuleOptions {
  /** The `bundleHash` option of the handler; an empty string counts as not given. */
  bundleHash?: string | undefined;
  /** The handler's factory, for messages, e.g. `createLambdaHandler`. */
  entry: string;
  /** What task functions read as `context.backend`, e.g. `aws-lambda`. */
  backend: string;
}

/** The runtime of a handler, loaded once. */
export interface HandlerModule {
  /** The runtime when it is loaded, else `undefined` (no await on the hot path). */
  readonly loaded: Runtime | undefined;
  /** Resolves with the runtime; after a failed load, starts a new one. */
  runtime(): Promise<Runtime>;
}

/** The explicit bundle hash: the option, else the non-empty `SPILLWAY_BUNDLE_HASH`; `undefined` when neither is set. */
export function explicitBundleHash(option: string | undefined): string | undefined {
  if (option !== undefined && option !== '') return option;
  const fromEnv = process.env[BUNDLE_HASH_ENV];
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

function isLocation(value: unknown): value is TaskModuleLocation {
  return value instanceof URL || typeof value === 'string';
}

function runtimeOf(registry: TaskRegistry, bundleHash: string, where: string, backend: string, onWorkerStart: (() => unknown) | undefined): Runtime {
  if (registry.size === 0) {
    throw new ValidationError(`The task module ${where} exports no offloadable tasks: export the tasks made with offloadable() from it`, {
      path: 'taskModule',
    });
  }
  return watchDrift(createRuntime(registry, { bundleHash, enforceTimeouts: true, backend, onWorkerStart }));
}

/**
 * Logs, once per change, a task that left `Object.prototype` changed or an
 * enumerable global added on this warm instance (see `global-drift.ts`). The
 * instance keeps serving: envelopes are read from own fields only, so such a
 * change cannot alter a later envelope, but later tasks see it.
 */
function watchDrift(runtime: Runtime): Runtime {
  let baseline = takeBaseline();
  return {
    bundleHash: runtime.bundleHash,
    taskNames: runtime.taskNames,
    async execute(envelope, options) {
      const result = await runtime.execute(envelope, options);
      const changes = driftSince(baseline);
      if (changes.length > 0) {
        const task = (envelope as { task?: unknown } | null)?.task;
        console.error(
          `spillway: task ${JSON.stringify(typeof task === 'string' ? task : '?')} (id ${result.id}) left this instance changed: ${changes.join(', ')}. Later tasks on this instance see it; keep state in module scope, never on Object.prototype or as a global`,
        );
        baseline = takeBaseline();
      }
      return result;
    },
  };
}

function namespaceModule(namespace: Readonly<Record<string, unknown>>, hash: string | undefined, { entry, backend }: HandlerModuleOptions): HandlerModule {
  if (hash === undefined) {
    throw new ValidationError(
      `${entry} got a task module namespace without a bundle hash: pass \`bundleHash\` (the hash \`spillway inspect --tasks <module>\` prints for the caller's module), set the ${BUNDLE_HASH_ENV} environment variable of the function, or pass the module's URL instead so the handler hashes the file itself`,
      { path: 'bundleHash' },
    );
  }
  const runtime = runtimeOf(createTaskRegistry(namespace), hash, '(namespace)', backend, workerStartOf(namespace));
  return { loaded: runtime, runtime: () => Promise.resolve(runtime) };
}

function locationModule(location: TaskModuleLocation, hash: string | undefined, backend: string): HandlerModule {
  const where = location instanceof URL ? location.href : location;
  let loaded: Runtime | undefined;
  let loading: Promise<Runtime> | undefined;
  const start = (): Promise<Runtime> => {
    // Imported on first use: a bundle built around a namespace never evaluates the loader's import scanner.
    const attempt = import('../contract/task-module-load.js')
      .then(({ loadTaskModule }) => loadTaskModule(location))
      .then(({ registry, bundleHash, onWorkerStart }) => {
        loaded = runtimeOf(registry, hash ?? bundleHash, where, backend, onWorkerStart);
        return loaded;
      })
      .catch((error: unknown) => {
        // The next request tries again (for example after a transient file-system error).
        if (loading === attempt) loading = undefined;
        throw new Error(`spillway could not load the task module ${where}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      });
    // A failure is reported to the requests that await it; nobody may be waiting yet.
    attempt.catch(() => undefined);
    return attempt;
  };
  loading = start();
  return {
    get loaded() {
      return loaded;
    },
    runtime() {
      if (loaded !== undefined) return Promise.resolve(loaded);
      loading ??= start();
      return loading;
    },
  };
}

/**
 * Prepares the runtime of a handler by the rules in this file's header.
 * @throws {ValidationError} for a namespace without a bundle hash or without tasks, or a `taskModule` of the wrong type.
 */
export function openHandlerModule(taskModule: HandlerTaskModule, options: HandlerModuleOptions): HandlerModule {
  const hash = explicitBundleHash(options.bundleHash);
  // One condition, so esbuild drops the branch (and what it imports) when the `define` of rule 6 makes it false.
  if ((globalThis as { __spillwayNamespaceBundle?: boolean }).__spillwayNamespaceBundle !== true && isLocation(taskModule)) {
    return locationModule(taskModule, hash, options.backend);
  }
  if (isLocation(taskModule)) {
    throw new ValidationError(
      `Expected \`taskModule\` of ${options.entry} in a bundle built by \`spillway bundle\` to be the task module's namespace, got a location: bundles load no module by location`,
      { path: 'taskModule' },
    );
  }
  if (typeof taskModule !== 'object' || taskModule === null) {
    throw new ValidationError(
      `Expected \`taskModule\` of ${options.entry} to be the task module's URL or path, or its namespace object (import * as tasks from './tasks.js'), got ${taskModule === null ? 'null' : typeof taskModule}`,
      { path: 'taskModule' },
    );
  }
  return namespaceModule(taskModule, hash, options);
}
