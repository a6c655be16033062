/**
 * A temporary project folder holding a real bundle for the deploy tests:
 * `bundleTaskModule` (what `spillway bundle` runs) applied to
 * test/fixtures/remote-tasks.mjs, so the tests deploy exactly the layout and
 * manifest the bundler writes (`.spillway/manifest.json`, `lambda.zip`,
 * `gcf.zip`, `gcf/`). The bundle is built once per test file and copied into
 * a fresh folder per call. It needs dist/ (`npx tsup`), as `npm test` builds it.
 */
import { rmSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleTaskModule } from '../../infra/bundle.js';

/** The task module every deploy test bundles. */
const DEPLOY_TASKS_MODULE = fileURLToPath(new URL('../fixtures/remote-tasks.mjs', import.meta.url));

/** A project folder with `.spillway/` as `spillway bundle` wrote it. */
export interface TestBundle {
  /** The project folder (run the CLI here to use the default paths). */
  dir: string;
  /** `<dir>/.spillway`. */
  outDir: string;
  /** `<dir>/.spillway/manifest.json`. */
  manifestPath: string;
  /** The Lambda zip the manifest names. */
  lambdaZipPath: string;
  /** The Cloud Functions zip the manifest names. */
  gcfZipPath: string;
  /** The manifest's bundle hash. */
  bundleHash: string;
  /** Deletes the folder. */
  remove: () => Promise<void>;
}

interface Template {
  outDir: string;
  bundleHash: string;
  lambdaZip: string;
  gcfZip: string;
}

let template: Promise<Template> | undefined;

async function buildTemplate(): Promise<Template> {
  const dir = await mkdtemp(join(tmpdir(), 'spillway-bundle-template-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const result = await bundleTaskModule({ tasks: DEPLOY_TASKS_MODULE, outDir: join(dir, '.spillway') });
  const { targets, bundleHash } = result.manifest;
  return { outDir: result.outDir, bundleHash, lambdaZip: targets.lambda.zip, gcfZip: targets.gcf.zip };
}

/** Copies the bundle of {@link DEPLOY_TASKS_MODULE} into `<new temporary folder>/.spillway`. */
export async function createTestBundle(): Promise<TestBundle> {
  template ??= buildTemplate();
  const built = await template;
  const dir = await mkdtemp(join(tmpdir(), 'spillway-deploy-'));
  const outDir = join(dir, '.spillway');
  await cp(built.outDir, outDir, { recursive: true });
  return {
    dir,
    outDir,
    manifestPath: join(outDir, 'manifest.json'),
    lambdaZipPath: join(outDir, built.lambdaZip),
    gcfZipPath: join(outDir, built.gcfZip),
    bundleHash: built.bundleHash,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
