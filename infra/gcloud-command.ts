/** `spillway deploy gcf --print-gcloud`: the `gcloud` command that deploys the same function, for users who deploy with gcloud. */
import { BUNDLE_HASH_ENV, NODE_RUNTIMES } from '../src/contract/platform.js';
import { bundleSourceDir, readBundleManifest } from './bundle-input.js';
import { type GcfDeployOptions, type ResolvedGcfDeployOptions, resolveGcfDeployOptions } from './gcf-options.js';
import { MANAGED_BY_KEY, MANAGED_BY_VALUE } from './managed-by.js';

/** gcloud's spelling of each ingress setting. */
const GCLOUD_INGRESS: Record<ResolvedGcfDeployOptions['ingress'], string> = {
  ALLOW_ALL: 'all',
  ALLOW_INTERNAL_ONLY: 'internal-only',
  ALLOW_INTERNAL_AND_GCLB: 'internal-and-gclb',
};

function quote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The bundle facts the gcloud command needs. */
export interface GcloudBundle {
  /** The manifest's bundle hash, set as `SPILLWAY_BUNDLE_HASH`. */
  bundleHash: string;
  /** The entry point the bundle registers (the manifest's `targets.gcf.handler`). */
  entryPoint: string;
  /** The unpacked gcf bundle, e.g. `.spillway/gcf`, passed as `--source`. */
  sourceDir: string;
}

/** The `gcloud functions deploy` command line for `options` and `bundle`. */
export function gcloudDeployCommand(options: ResolvedGcfDeployOptions, bundle: GcloudBundle): string {
  const { bundleHash, entryPoint, sourceDir } = bundle;
  const env = Object.entries({ ...options.environment, [BUNDLE_HASH_ENV]: bundleHash })
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  const args = [
    'gcloud functions deploy',
    quote(options.functionName),
    `--project=${quote(options.project)}`,
    '--gen2',
    `--runtime=${NODE_RUNTIMES.gcf}`,
    '--trigger-http',
    `--entry-point=${quote(entryPoint)}`,
    `--source=${quote(sourceDir)}`,
    `--region=${quote(options.region)}`,
    '--no-allow-unauthenticated',
    `--memory=${options.memoryMb}Mi`,
    `--timeout=${options.timeoutSeconds}s`,
    `--ingress-settings=${GCLOUD_INGRESS[options.ingress]}`,
    `--update-labels=${MANAGED_BY_KEY}=${MANAGED_BY_VALUE}`,
    `--set-env-vars=${quote(env)}`,
  ];
  return args.join(' ');
}

/**
 * The gcloud command for the bundle `spillway bundle` wrote: reads the manifest and passes its
 * unpacked gcf folder (`.spillway/gcf`) as `--source`, unless `sourceDir` is given.
 */
export async function gcloudDeployCommandForBundle(options: GcfDeployOptions, sourceDir?: string): Promise<string> {
  const resolved = resolveGcfDeployOptions(options);
  const manifest = await readBundleManifest(resolved.manifestPath);
  return gcloudDeployCommand(resolved, {
    bundleHash: manifest.bundleHash,
    entryPoint: manifest.targets.gcf.handler,
    sourceDir: sourceDir ?? bundleSourceDir(resolved.manifestPath, manifest, 'gcf'),
  });
}
