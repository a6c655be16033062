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
 * from another version of the module answers StaleBundleError.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { NODE_RUNTIMES } from '../src/contract/platform.js';
import { createTaskRegistry, hashTaskModule, toModuleUrl } from '../src/task-module.js';
import { BundleError } from './bundle-error.js';
import { findSpillwayPackage } from './package-root.js';
import { writeZip } from './zip.js';

/** Lambda's limit for a zip uploaded directly (50 MB). */
export const LAMBDA_ZIP_LIMIT_BYTES = 50 * 1024 * 1024;
/** The function name (Cloud Functions entry point) the gcf bundle registers. */
export const GCF_ENTRY_POINT = 'spillway';

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

/** One target of a bundle, as written to manifest.json (paths relative to the output folder). */
export interface BundleTarget {
  /** `NODE_RUNTIMES.lambda` (`nodejs22.x`) or `NODE_RUNTIMES.gcf` (`nodejs22`, Cloud Functions gen2). */
  runtime: string;
  /** The entry module, e.g. `lambda/index.mjs`. */
  entry: string;
  /** Lambda: `index.handler`; Cloud Functions: the entry point name `spillway`. */
  handler: string;
  /** The zip to upload, e.g. `lambda.zip`. */
  zip: string;
  /** Size of the bundled entry module. */
  entryBytes: number;
  /** Size of the zip. */
  zipBytes: number;
  /** Imports left to the platform (`@aws-sdk/*` on Lambda, the Functions Framework on Cloud Functions). */
  external: string[];
}

/** manifest.json: what was bundled, from which module, for which runtimes. */
export interface BundleManifest {
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
}

const LAMBDA_EXTERNAL = ['@aws-sdk/*'];
const GCF_EXTERNAL = ['@google-cloud/functions-framework'];

/** ESM bundles of CommonJS dependencies need `require`; give them Node's. */
const REQUIRE_BANNER = "import { createRequire as __spillwayCreateRequire } from 'node:module'; const require = __spillwayCreateRequire(import.meta.url);";

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

async function esbuildOnce(options: BuildOptions, tasksPath: string): Promise<void> {
  try {
    await build({ logLevel: 'silent', ...options });
  } catch (error) {
    const first = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors?.[0];
    const where = first?.location ? ` (${first.location.file}:${first.location.line})` : '';
    const text = first ? `${first.text}${where}` : (error as Error).message.split('\n')[0];
    throw new BundleError(`esbuild could not bundle the task module \`--tasks\` ${tasksPath}: ${text}`, {
      code: 'ERR_BUNDLE_BUILD',
      field: 'tasks',
      cause: error,
    });
  }
}

function baseOptions(tasksPath: string, contents: string, outfile: string, external: string[]): BuildOptions {
  return {
    stdin: { contents, resolveDir: dirname(tasksPath), sourcefile: 'spillway-entry.mjs', loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: NODE_RUNTIMES.esbuildTarget,
    minify: true,
    treeShaking: true,
    legalComments: 'none',
    external,
    banner: { js: REQUIRE_BANNER },
    outfile,
  };
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
  const lambdaHandler = adapterPath(spillway.root, 'aws-lambda/handler.js');
  const gcfHandler = adapterPath(spillway.root, 'gcp-functions/handler.js');

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

  const lit = JSON.stringify;
  const lambdaEntry = join(outDir, 'lambda', 'index.mjs');
  step(`esbuild  lambda/index.mjs (${NODE_RUNTIMES.esbuildTarget}, @aws-sdk/* external)`);
  await esbuildOnce(
    baseOptions(
      tasksPath,
      [
        `import { createLambdaHandler } from ${lit(lambdaHandler)};`,
        `import * as tasks from ${lit(tasksPath)};`,
        `export const handler = createLambdaHandler(tasks, { bundleHash: ${lit(bundleHash)} });`,
      ].join('\n'),
      lambdaEntry,
      LAMBDA_EXTERNAL,
    ),
    tasksPath,
  );
  const lambdaSource = readFileSync(lambdaEntry);
  const lambdaZipBytes = writeZip(join(outDir, 'lambda.zip'), { 'index.mjs': lambdaSource });
  step(`zip      lambda.zip ${formatBytes(lambdaZipBytes)}`);
  if (lambdaZipBytes > limitBytes) {
    rmSync(join(outDir, 'lambda.zip'), { force: true });
    throw new BundleError(
      `The Lambda bundle of \`--tasks\` ${tasksPath} is ${formatBytes(lambdaZipBytes)} zipped, over the ${formatBytes(limitBytes)} limit of a direct upload: move large data out of the task module (load it at run time) or mark heavy dependencies external`,
      { code: 'ERR_BUNDLE_TOO_LARGE', field: 'tasks' },
    );
  }

  const gcfEntry = join(outDir, 'gcf', 'index.mjs');
  step(`esbuild  gcf/index.mjs (${NODE_RUNTIMES.esbuildTarget}, @google-cloud/functions-framework external)`);
  await esbuildOnce(
    baseOptions(
      tasksPath,
      [
        `import { registerCloudFunction } from ${lit(gcfHandler)};`,
        `import * as tasks from ${lit(tasksPath)};`,
        `registerCloudFunction(${lit(GCF_ENTRY_POINT)}, tasks, { bundleHash: ${lit(bundleHash)} });`,
      ].join('\n'),
      gcfEntry,
      GCF_EXTERNAL,
    ),
    tasksPath,
  );
  const gcfPackage = `${JSON.stringify(
    {
      name: 'spillway-tasks',
      private: true,
      type: 'module',
      main: 'index.mjs',
      engines: { node: '>=22' },
      dependencies: { '@google-cloud/functions-framework': spillway.functionsFrameworkRange },
    },
    null,
    2,
  )}\n`;
  writeFileSync(join(outDir, 'gcf', 'package.json'), gcfPackage);
  const gcfSource = readFileSync(gcfEntry);
  const gcfZipBytes = writeZip(join(outDir, 'gcf.zip'), { 'index.mjs': gcfSource, 'package.json': gcfPackage });
  step(`zip      gcf.zip ${formatBytes(gcfZipBytes)}`);

  const manifest: BundleManifest = {
    manifestVersion: 1,
    spillwayVersion: spillway.version,
    tasksModule: tasksPath,
    bundleHash,
    tasks,
    targets: {
      lambda: {
        runtime: NODE_RUNTIMES.lambda,
        entry: 'lambda/index.mjs',
        handler: 'index.handler',
        zip: 'lambda.zip',
        entryBytes: lambdaSource.byteLength,
        zipBytes: lambdaZipBytes,
        external: LAMBDA_EXTERNAL,
      },
      gcf: {
        runtime: NODE_RUNTIMES.gcf,
        entry: 'gcf/index.mjs',
        handler: GCF_ENTRY_POINT,
        zip: 'gcf.zip',
        entryBytes: gcfSource.byteLength,
        zipBytes: gcfZipBytes,
        external: GCF_EXTERNAL,
      },
    },
  };
  const manifestPath = join(outDir, 'manifest.json');
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  step(`manifest ${relative(process.cwd(), manifestPath) || manifestPath}`);
  return { manifest, outDir, manifestPath, entries: { lambda: lambdaEntry, gcf: gcfEntry } };
}

/** `1.2 MB`, `340 kB`, `512 B`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${bytes} B`;
}
