/**
 * The handler's runtime: the shared `createRuntime` over the deployed task
 * module, given either as a module location (imported once, its content hash
 * computed) or as an already imported module namespace plus its bundle hash.
 */
import { ValidationError } from '../../src/errors.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { createTaskRegistry, loadTaskModule, type TaskModuleLocation, type TaskRegistry } from '../../src/task-module.js';
import { BUNDLE_HASH_ENV } from './protocol.js';

/** The task module a function serves: its location (`new URL('./tasks.js', import.meta.url)`), or its imported namespace (`import * as tasks from './tasks.js'`). */
export type CloudFunctionTaskModule = TaskModuleLocation | Readonly<Record<string, unknown>>;

function isLocation(taskModule: CloudFunctionTaskModule): taskModule is TaskModuleLocation {
  return taskModule instanceof URL || typeof taskModule === 'string';
}

function runtimeOf(registry: TaskRegistry, bundleHash: string, what: string): Runtime {
  if (registry.size === 0) {
    throw new ValidationError(`The task module ${what} exports no offloadable tasks: export the tasks made with offloadable() from it`, { path: 'taskModule' });
  }
  return createRuntime(registry, { bundleHash });
}

/**
 * Prepares the runtime. A namespace without a bundle hash (neither
 * `bundleHash` nor the `SPILLWAY_BUNDLE_HASH` environment variable) throws at
 * once; a location is imported in the background and the promise settles
 * when it is loaded. For a location, an explicit hash wins over the file's
 * own (a bundler's output hashes differently from the caller's source).
 */
export function prepareRuntime(taskModule: CloudFunctionTaskModule, bundleHash: string | undefined): Promise<Runtime> {
  const hash = bundleHash ?? (process.env[BUNDLE_HASH_ENV] || undefined);
  if (isLocation(taskModule)) {
    return loadTaskModule(taskModule).then(({ registry, bundleHash: fileHash }) => runtimeOf(registry, hash ?? fileHash, String(taskModule)));
  }
  if (typeof taskModule !== 'object' || taskModule === null) {
    throw new ValidationError(
      `Expected \`taskModule\` to be the task module's URL or path, or its imported namespace (import * as tasks from './tasks.js'), got ${taskModule === null ? 'null' : typeof taskModule}`,
      { path: 'taskModule' },
    );
  }
  if (hash === undefined) {
    throw new ValidationError(
      `A task module passed as an imported namespace has no bundle hash: pass \`bundleHash\` (the hash \`spillway inspect --tasks <module>\` prints for the caller's module) or set the ${BUNDLE_HASH_ENV} environment variable, or pass the module's URL instead so its hash is computed`,
      { path: 'bundleHash' },
    );
  }
  return Promise.resolve(runtimeOf(createTaskRegistry(taskModule), hash, '(namespace)'));
}
