/**
 * The artifacts `spillway bundle` writes and the deploy scripts read:
 * `.spillway/manifest.json` (bundle hash, one target per platform) and the
 * zip each target names, relative to the manifest's folder
 * (`.spillway/lambda.zip`, `.spillway/gcf.zip`; see infra/bundle.ts).
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as z from 'zod';
import { DeployError } from './deploy-error.js';

/** Default path of the manifest; the zips are found through it. */
export const DEFAULT_MANIFEST_PATH = '.spillway/manifest.json';

/** The platforms a bundle has a target for. */
export type BundlePlatform = 'lambda' | 'gcf';

const targetSchema = z.looseObject({
  /** The zip to upload, relative to the manifest's folder, e.g. `lambda.zip`. */
  zip: z.string().min(1),
  /** The entry module, relative to the manifest's folder, e.g. `gcf/index.mjs`. */
  entry: z.string().min(1),
  /** Lambda: `index.handler`; Cloud Functions: the entry point. */
  handler: z.string().min(1),
  runtime: z.string().optional(),
});

/** The fields of the manifest the deploy scripts use; others are kept as they are. */
const manifestSchema = z.looseObject({
  bundleHash: z.string().min(1),
  tasks: z.array(z.unknown()).optional(),
  targets: z.object({ lambda: targetSchema, gcf: targetSchema }),
});

/** The bundle manifest, as far as deploy needs it. */
export type BundleManifest = z.infer<typeof manifestSchema>;

function isMissing(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'ENOENT';
}

/** Reads and validates the manifest at `path`. */
export async function readBundleManifest(path: string): Promise<BundleManifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const hint = isMissing(error) ? 'does not exist' : `cannot be read (${(error as Error).message})`;
    throw new DeployError(`The manifest \`--manifest\` ${path} ${hint}; run \`spillway bundle\` first or pass --manifest <path>`, 'ERR_DEPLOY_INPUT', {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DeployError(`The manifest \`--manifest\` ${path} is not JSON; run \`spillway bundle\` again`, 'ERR_DEPLOY_INPUT', { cause: error });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.map(String).join('.') || 'bundleHash';
    throw new DeployError(
      `The manifest \`--manifest\` ${path} has no valid \`${field}\`; run \`spillway bundle\` again with this version of spillway`,
      'ERR_DEPLOY_INPUT',
    );
  }
  return parsed.data;
}

/** The zip `spillway bundle` wrote for `platform`: the manifest's `targets.<platform>.zip`, next to the manifest. */
export function bundleZipPath(manifestPath: string, manifest: BundleManifest, platform: BundlePlatform): string {
  return join(dirname(manifestPath), manifest.targets[platform].zip);
}

/** The unpacked source folder of `platform` (the folder of its entry module), e.g. `.spillway/gcf`. */
export function bundleSourceDir(manifestPath: string, manifest: BundleManifest, platform: BundlePlatform): string {
  return join(dirname(manifestPath), dirname(manifest.targets[platform].entry));
}

/** Reads the zip at `path`; `option` names the flag in the message. */
export async function readBundleZip(path: string, option = '--zip'): Promise<Uint8Array> {
  try {
    const bytes = await readFile(path);
    if (bytes.byteLength === 0) throw new DeployError(`The zip \`${option}\` ${path} is empty; run \`spillway bundle\` again`, 'ERR_DEPLOY_INPUT');
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } catch (error) {
    if (error instanceof DeployError) throw error;
    const hint = isMissing(error) ? 'does not exist' : `cannot be read (${(error as Error).message})`;
    throw new DeployError(`The zip \`${option}\` ${path} ${hint}; run \`spillway bundle\` first or pass ${option} <path>`, 'ERR_DEPLOY_INPUT', {
      cause: error,
    });
  }
}
