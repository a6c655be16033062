/**
 * `spillway bundle`: one task module to one deployable bundle per target.
 *
 * ```text
 * .spillway/
 *   manifest.json      task names, bundle hash, runtimes, sizes
 *   lambda/index.mjs   export const handler = createLambdaHandler(tasks, { bundleHash })
 *   lambda.zip         lambda/ zipped, ready for upload
 *   gcf/index.mjs      registerCloudFunction('spillway', tasks, { bundleHash })
 *   gcf/package.json   "type": "module", "main": "index.mjs", the Functions Framework dependency
 *   gcf.zip            gcf/ zipped, ready for upload
 * ```
 *
 * The bundle hash is `hashTaskModule(<task module>)`, the hash the caller's
 * envelopes carry, written into each entry as a literal: a function built
 * from another version of the module answers StaleBundleError. The targets
 * are built by bundle-targets.ts, with the esbuild settings of bundle-esbuild.ts.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Metafile } from 'esbuild';
import { createTaskRegistry, toModuleUrl } from '../src/contract/task-module.js';
import { hashTaskModule } from '../src/contract/task-module-load.js';
import { BundleError } from './bundle-error.js';
import { baseOptions, esbuildOnce, GCF_EXTERNAL, LAMBDA_EXTERNAL } from './bundle-esbuild.js';
import { type BundleTarget, buildGcfTarget, buildLambdaTarget, type TargetContext } from './bundle-targets.js';
import { findSpillwayPackage } from './package-root.js';

/** Lambda's limit for a zip uploaded directly (50 MB). */
const LAMBDA_ZIP_LIMIT_BYTES = 50 * 1024 * 1024;

/** Options of {@link bundleTaskModule}. */
export interface BundleOptions {
  /** The task module: a path (relative to the working directory) or `file:` URL; `.js`, `.mjs` or `.ts`. */
  tasks: string | URL;
  /**
   * Output folder; its `lambda/`, `gcf/`, zips and manifest are replaced.
   * @default '.spillway'
   */
  outDir?: string;
  /**
   * Largest Lambda zip accepted.
   * @default LAMBDA_ZIP_LIMIT_BYTES (50 MB, Lambda's direct-upload limit)
   */
  maxLambdaZipBytes?: number;
  /** Called with one line per step (for progress output). */
  onStep?: (message: string) => void;
}

/** manifest.json: what was bundled, from which module, for which runtimes. */
interface BundleManifest {
  manifestVersion: 1;
  /** spillway version that built the bundle. */
  spillwayVersion: string;
  /** Absolute path of the task module. */
  tasksModule: string;
  /** `hashTaskModule(tasksModule)`: the hash the caller's envelopes carry. */
  bundleHash: string;
  /** Task names the module exports, sorted. */
  tasks: string[];
  targets: { lambda: BundleTarget; gcf: BundleTarget };
}

/** What {@link bundleTaskModule} returns: the manifest and where things were written. */
export interface BundleResult {
  manifest: BundleManifest;
  /** Absolute output folder. */
  outDir: string;
  /** Absolute path of manifest.json. */
  manifestPath: string;
  /** Absolute paths of the entry modules. */
  entries: { lambda: string; gcf: string };
  /** esbuild's metafile of each entry module (what each input adds to it; `spillway bundle --analyze`). */
  metafiles: { lambda: Metafile; gcf: Metafile };
}

function resolveTasksPath(tasks: string | URL): string {
  const url = toModuleUrl(tasks instanceof URL ? tasks : tasks.startsWith('file:') ? tasks : pathToFileURL(resolve(tasks)));
  const path = fileURLToPath(url);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new BundleError(
      `Cannot find the task module \`--tasks\` ${path}: pass the path of a file that exports offloadable tasks, e.g. --tasks src/tasks.ts`,
      {
        code: 'ERR_TASK_MODULE_NOT_FOUND',
        field: 'tasks',
      },
    );
  }
  return path;
}

function adapterPath(root: string, file: string): string {
  const path = join(root, 'dist', file);
  if (!existsSync(path)) {
    throw new BundleError(`spillway is not built: ${path} is missing. Run \`npm run build\` in ${root}`, { code: 'ERR_SPILLWAY_NOT_BUILT', field: 'spillway' });
  }
  return path;
}

/** Bundles the module alone and imports it, to list its task names (works for TypeScript modules without tsx). */
async function listTaskNames(tasksPath: string, outDir: string): Promise<string[]> {
  const probe = join(outDir, `.tasks-probe-${randomUUID()}.mjs`);
  try {
    await esbuildOnce(
      { ...baseOptions(tasksPath, `export * from ${JSON.stringify(tasksPath)};`, probe, [...LAMBDA_EXTERNAL, ...GCF_EXTERNAL]), minify: false },
      tasksPath,
    );
    const namespace = (await import(pathToFileURL(probe).href)) as Record<string, unknown>;
    return [...createTaskRegistry(namespace).keys()].sort();
  } finally {
    rmSync(probe, { force: true });
  }
}

/**
 * Bundles `options.tasks` for Lambda and Cloud Functions into
 * `options.outDir` and writes manifest.json.
 *
 * @throws {BundleError} `ERR_TASK_MODULE_NOT_FOUND` (no such file), `ERR_BUNDLE_BUILD` (esbuild failed),
 *   `ERR_NO_TASKS` (the module exports no offloadable), `ERR_BUNDLE_TOO_LARGE` (Lambda zip over the limit).
 */
export async function bundleTaskModule(options: BundleOptions): Promise<BundleResult> {
  const step = options.onStep ?? (() => undefined);
  const tasksPath = resolveTasksPath(options.tasks);
  const outDir = resolve(options.outDir ?? '.spillway');
  const limitBytes = options.maxLambdaZipBytes ?? LAMBDA_ZIP_LIMIT_BYTES;
  const spillway = findSpillwayPackage();
  const handlers = { lambda: adapterPath(spillway.root, 'aws-lambda/handler.js'), gcf: adapterPath(spillway.root, 'gcp-functions/handler.js') };

  const bundleHash = hashTaskModule(tasksPath);
  step(`hash     ${bundleHash} (${tasksPath})`);
  for (const stale of ['lambda', 'gcf', 'lambda.zip', 'gcf.zip', 'manifest.json']) rmSync(join(outDir, stale), { recursive: true, force: true });
  mkdirSync(join(outDir, 'lambda'), { recursive: true });
  mkdirSync(join(outDir, 'gcf'), { recursive: true });

  const tasks = await listTaskNames(tasksPath, outDir);
  if (tasks.length === 0) {
    throw new BundleError(`The task module \`--tasks\` ${tasksPath} exports no offloadable tasks: export the tasks wrapped with offloadable()`, {
      code: 'ERR_NO_TASKS',
      field: 'tasks',
    });
  }
  step(`tasks    ${tasks.join(', ')}`);

  const context: TargetContext = { tasksPath, outDir, bundleHash, step };
  const lambda = await buildLambdaTarget(context, handlers.lambda, limitBytes);
  const gcf = await buildGcfTarget(context, handlers.gcf, spillway.functionsFrameworkRange);

  const manifest: BundleManifest = {
    manifestVersion: 1,
    spillwayVersion: spillway.version,
    tasksModule: tasksPath,
    bundleHash,
    tasks,
    targets: { lambda: lambda.target, gcf: gcf.target },
  };
  const manifestPath = join(outDir, 'manifest.json');
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  step(`manifest ${relative(process.cwd(), manifestPath) || manifestPath}`);
  return { manifest, outDir, manifestPath, entries: { lambda: lambda.entry, gcf: gcf.entry }, metafiles: { lambda: lambda.metafile, gcf: gcf.metafile } };
}
