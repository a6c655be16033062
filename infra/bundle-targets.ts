/**
 * The two targets of a bundle: the Lambda entry (lambda/index.mjs,
 * lambda.zip, refused over the direct-upload limit) and the Cloud Functions
 * gen2 entry (gcf/index.mjs, gcf/package.json, gcf.zip). Each entry wraps
 * the task module with spillway's built handler and the bundle hash as a literal.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { NODE_RUNTIMES } from '../src/contract/platform.js';
import { zodLocaleNote } from './bundle-analysis.js';
import { BundleError } from './bundle-error.js';
import { baseOptions, esbuildOnce, GCF_EXTERNAL, LAMBDA_EXTERNAL } from './bundle-esbuild.js';
import { formatBytes } from './format-bytes.js';
import { writeZip } from './zip.js';

/** The function name (Cloud Functions entry point) the gcf bundle registers. */
const GCF_ENTRY_POINT = 'spillway';

/** One target of a bundle, as written to manifest.json (paths relative to the output folder). */
export interface BundleTarget {
  /** `NODE_RUNTIMES.lambda` or `NODE_RUNTIMES.gcf` (Cloud Functions gen2). */
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

/** What both targets are built from. */
export interface TargetContext {
  /** Absolute path of the task module. */
  tasksPath: string;
  /** Absolute output folder (its `lambda/` and `gcf/` exist and are empty). */
  outDir: string;
  /** `hashTaskModule(tasksPath)`. */
  bundleHash: string;
  /** Progress lines. */
  step: (message: string) => void;
}

/** A built target: its manifest entry, the absolute path of its entry module and esbuild's metafile of it. */
export interface BuiltTarget {
  target: BundleTarget;
  entry: string;
  metafile: Metafile;
}

/**
 * The entries pass the task module's namespace, never a location: this
 * tells the handler so at build time (rule 6 of src/backends/handler-module.ts),
 * which leaves the loader of a module by location out of the bundle.
 */
const NAMESPACE_BUNDLE_DEFINE = { 'globalThis.__spillwayNamespaceBundle': 'true' };

/** esbuild for one target entry, then a progress note when zod's locales ended up in it. */
async function buildEntry(context: TargetContext, contents: string, entry: string, external: string[], name: string): Promise<Metafile> {
  const options = { ...baseOptions(context.tasksPath, contents, entry, external), define: NAMESPACE_BUNDLE_DEFINE };
  const metafile = await esbuildOnce(options, context.tasksPath);
  const note = zodLocaleNote(metafile, name, formatBytes);
  if (note !== undefined) context.step(note);
  return metafile;
}

const lit = JSON.stringify;

/** Bundles lambda/index.mjs around `handlerPath` (dist/aws-lambda/handler.js) and zips it; `ERR_BUNDLE_TOO_LARGE` over `limitBytes`. */
export async function buildLambdaTarget(context: TargetContext, handlerPath: string, limitBytes: number): Promise<BuiltTarget> {
  const { tasksPath, outDir, bundleHash, step } = context;
  const entry = join(outDir, 'lambda', 'index.mjs');
  step(`esbuild  lambda/index.mjs (${NODE_RUNTIMES.esbuildTarget}, @aws-sdk/* external)`);
  const contents = [
    `import { createLambdaHandler } from ${lit(handlerPath)};`,
    `import * as tasks from ${lit(tasksPath)};`,
    `export const handler = createLambdaHandler(tasks, { bundleHash: ${lit(bundleHash)} });`,
  ].join('\n');
  const metafile = await buildEntry(context, contents, entry, LAMBDA_EXTERNAL, 'lambda/index.mjs');
  const source = readFileSync(entry);
  const zipBytes = writeZip(join(outDir, 'lambda.zip'), { 'index.mjs': source });
  step(`zip      lambda.zip ${formatBytes(zipBytes)}`);
  if (zipBytes > limitBytes) {
    rmSync(join(outDir, 'lambda.zip'), { force: true });
    throw new BundleError(
      `The Lambda bundle of \`--tasks\` ${tasksPath} is ${formatBytes(zipBytes)} zipped, over the ${formatBytes(limitBytes)} limit of a direct upload: move large data out of the task module (load it at run time) or mark heavy dependencies external`,
      { code: 'ERR_BUNDLE_TOO_LARGE', field: 'tasks' },
    );
  }
  const target: BundleTarget = {
    runtime: NODE_RUNTIMES.lambda,
    entry: 'lambda/index.mjs',
    handler: 'index.handler',
    zip: 'lambda.zip',
    entryBytes: source.byteLength,
    zipBytes,
    external: LAMBDA_EXTERNAL,
  };
  return { target, entry, metafile };
}

/** Bundles gcf/index.mjs around `handlerPath` (dist/gcp-functions/handler.js), writes its package.json (Functions Framework `frameworkRange`) and zips both. */
export async function buildGcfTarget(context: TargetContext, handlerPath: string, frameworkRange: string): Promise<BuiltTarget> {
  const { tasksPath, outDir, bundleHash, step } = context;
  const entry = join(outDir, 'gcf', 'index.mjs');
  step(`esbuild  gcf/index.mjs (${NODE_RUNTIMES.esbuildTarget}, @google-cloud/functions-framework external)`);
  const contents = [
    `import { registerCloudFunction } from ${lit(handlerPath)};`,
    `import * as tasks from ${lit(tasksPath)};`,
    `registerCloudFunction(${lit(GCF_ENTRY_POINT)}, tasks, { bundleHash: ${lit(bundleHash)} });`,
  ].join('\n');
  const metafile = await buildEntry(context, contents, entry, GCF_EXTERNAL, 'gcf/index.mjs');
  const packageJson = {
    name: 'spillway-tasks',
    private: true,
    type: 'module',
    main: 'index.mjs',
    engines: { node: '>=22' },
    dependencies: { '@google-cloud/functions-framework': frameworkRange },
  };
  const gcfPackage = `${JSON.stringify(packageJson, null, 2)}\n`;
  writeFileSync(join(outDir, 'gcf', 'package.json'), gcfPackage);
  const source = readFileSync(entry);
  const zipBytes = writeZip(join(outDir, 'gcf.zip'), { 'index.mjs': source, 'package.json': gcfPackage });
  step(`zip      gcf.zip ${formatBytes(zipBytes)}`);
  const target: BundleTarget = {
    runtime: NODE_RUNTIMES.gcf,
    entry: 'gcf/index.mjs',
    handler: GCF_ENTRY_POINT,
    zip: 'gcf.zip',
    entryBytes: source.byteLength,
    zipBytes,
    external: GCF_EXTERNAL,
  };
  return { target, entry, metafile };
}
