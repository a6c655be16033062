/**
 * The artifacts `spillway bundle` writes and the deploy scripts read: a zip
 * per platform and `.spillway/manifest.json` with the bundle's content hash.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DeployError } from './deploy-error.js';

/** Default path of the manifest. */
export const DEFAULT_MANIFEST_PATH = '.spillway/manifest.json';

/** Default path of the Lambda zip. */
export const DEFAULT_LAMBDA_ZIP_PATH = '.spillway/lambda/lambda.zip';

/** Default path of the Cloud Functions zip. */
export const DEFAULT_GCF_ZIP_PATH = '.spillway/gcf/gcf.zip';

/** The fields of the manifest the deploy scripts use; others are kept as they are. */
const manifestSchema = z.looseObject({
  bundleHash: z.string().min(1),
  tasks: z.array(z.unknown()).optional(),
  runtime: z.unknown().optional(),
  sizes: z.unknown().optional(),
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
    throw new DeployError(`The manifest \`--manifest\` ${path} has no \`bundleHash\` string; run \`spillway bundle\` again`, 'ERR_DEPLOY_INPUT');
  }
  return parsed.data;
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
