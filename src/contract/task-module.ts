/**
 * A task module's registry of its `offloadable` exports by name, its
 * `onWorkerStart` export, and its location as a `file:` URL. Hashing and
 * importing a module by location are in task-module-load.ts, so a function
 * bundle built around an imported namespace does not evaluate the import
 * scanner (es-module-lexer compiles its WebAssembly when imported).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ValidationError } from '../errors.js';
import { type AnyOffloadable, isOffloadable } from '../task.js';

/** The tasks a module exports, by task name. */
export type TaskRegistry = ReadonlyMap<string, AnyOffloadable>;

/** Where a task module lives: a `file:` URL, or a path. */
export type TaskModuleLocation = URL | string;

/**
 * Normalises a module location to a `file:` URL. A `.js` location that does
 * not exist but has a TypeScript sibling (`tasks.js` -> `tasks.ts`) names
 * that sibling, as TypeScript's NodeNext imports do, so the same
 * `new URL('./tasks.js', import.meta.url)` works compiled and under tsx.
 */
export function toModuleUrl(location: TaskModuleLocation): URL {
  const url = location instanceof URL ? location : location.startsWith('file:') ? new URL(location) : pathToFileURL(location);
  if (url.protocol !== 'file:' || existsSync(fileURLToPath(url))) return url;
  const match = /\.([mc]?)js$/.exec(url.pathname);
  if (match === null) return url;
  const sibling = new URL(url.href.replace(/\.([mc]?)js$/, `.${match[1]}ts`));
  return existsSync(fileURLToPath(sibling)) ? sibling : url;
}

/**
 * Builds the registry of a module's `offloadable` exports. Throws a
 * {@link ValidationError} when two exports share a task name.
 */
export function createTaskRegistry(moduleNamespace: Record<string, unknown>): TaskRegistry {
  const registry = new Map<string, AnyOffloadable>();
  for (const [exportName, value] of Object.entries(moduleNamespace)) {
    if (!isOffloadable(value)) continue;
    const existing = registry.get(value.definition.name);
    if (existing !== undefined && existing !== value) {
      throw new ValidationError(
        `Two exports of the task module use the task name "${value.definition.name}" (export \`${exportName}\` is the second): give each offloadable a unique name`,
        { path: exportName },
      );
    }
    registry.set(value.definition.name, value);
  }
  return registry;
}

/**
 * A task module's `onWorkerStart` export, when it is a function: run once
 * per worker (each local worker thread, each warm function instance) before
 * its first task, never in the application's thread.
 */
export function workerStartOf(moduleNamespace: Readonly<Record<string, unknown>>): (() => unknown) | undefined {
  const hook = moduleNamespace.onWorkerStart;
  return typeof hook === 'function' ? (hook as () => unknown) : undefined;
}
