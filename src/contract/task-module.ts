/**
 * Loading a task module: the registry of its `offloadable` exports by name
 * and its content hash (the hash every envelope carries, so a backend running
 * another build of the module can refuse the task).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ValidationError } from '../errors.js';
import { type AnyOffloadable, isOffloadable } from '../task.js';
import { taskModuleFiles } from './module-graph.js';

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
 * The content hash of a task module (hex, 32 characters): SHA-256 over every
 * file of its local import graph (see `taskModuleFiles`), each as its path
 * relative to the module's folder and its bytes. Editing the module or any
 * local helper it imports changes the hash, so a remote built from older
 * sources answers `StaleBundleError`; moving the project to another folder
 * does not. Packages from `node_modules` are not part of the hash.
 */
export function hashTaskModule(location: TaskModuleLocation): string {
  const url = toModuleUrl(location);
  const modulePath = fileURLToPath(url);
  if (!existsSync(modulePath)) {
    throw new ValidationError(
      `Cannot read the task module \`tasks\` at ${url.href}: no such file. Pass the URL of a module that exists, e.g. new URL('./tasks.js', import.meta.url)`,
      { path: 'tasks' },
    );
  }
  const root = dirname(modulePath);
  const hash = createHash('sha256');
  for (const file of taskModuleFiles(modulePath)) {
    hash.update(relative(root, file).split(sep).join('/'));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 32);
}

/**
 * Imports a module. A TypeScript module that Node cannot load by itself (in
 * a worker thread on Node 20 loader hooks do not apply) is loaded through
 * tsx when it is installed, so task modules written in TypeScript run under
 * tsx in development as they do in the main thread.
 */
async function importModule(url: URL): Promise<Record<string, unknown>> {
  try {
    return (await import(url.href)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !/\.[mc]?ts$/.test(url.pathname)) throw error;
    const tsxApi = 'tsx/esm/api';
    const { tsImport } = (await import(tsxApi)) as { tsImport: (specifier: string, parent: string) => Promise<Record<string, unknown>> };
    return tsImport(url.href, import.meta.url);
  }
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

/** Imports a task module and returns its registry, content hash and `onWorkerStart` export. */
export async function loadTaskModule(
  location: TaskModuleLocation,
): Promise<{ registry: TaskRegistry; bundleHash: string; onWorkerStart: (() => unknown) | undefined }> {
  const url = toModuleUrl(location);
  const bundleHash = hashTaskModule(url);
  const namespace = await importModule(url);
  return { registry: createTaskRegistry(namespace), bundleHash, onWorkerStart: workerStartOf(namespace) };
}
