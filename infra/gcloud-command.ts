/** `spillway deploy gcf --print-gcloud`: the `gcloud` command that deploys the same function, for users who deploy with gcloud. */
import type { ResolvedGcfDeployOptions } from './gcf-options.js';
import { BUNDLE_HASH_ENV } from './lambda-options.js';
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

/** The `gcloud functions deploy` command line for `options`, with `sourceDir` (the unpacked gcf bundle) as `--source`. */
export function gcloudDeployCommand(options: ResolvedGcfDeployOptions, bundleHash: string, sourceDir: string): string {
  const env = Object.entries({ ...options.environment, [BUNDLE_HASH_ENV]: bundleHash })
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  const args = [
    'gcloud functions deploy',
    quote(options.functionName),
    `--project=${quote(options.project)}`,
    '--gen2',
    '--runtime=nodejs22',
    '--trigger-http',
    '--entry-point=spillway',
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
