/**
 * A task module by location: its content hash (the hash every envelope
 * carries, so a backend running another build of the module can refuse the
 * task) and its import, with the registry built from it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '../errors.js';
import { taskModuleFiles } from './module-graph.js';
import { createTaskRegistry, type TaskModuleLocation, type TaskRegistry, toModuleUrl, workerStartOf } from './task-module.js';

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

/** Imports a task module and returns its registry, content hash and `onWorkerStart` export. */
export async function loadTaskModule(
  location: TaskModuleLocation,
): Promise<{ registry: TaskRegistry; bundleHash: string; onWorkerStart: (() => unknown) | undefined }> {
  const url = toModuleUrl(location);
  const bundleHash = hashTaskModule(url);
  const namespace = await importModule(url);
  return { registry: createTaskRegistry(namespace), bundleHash, onWorkerStart: workerStartOf(namespace) };
}
