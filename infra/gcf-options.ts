/** Options of `deployGcf` / `spillway deploy gcf`, validated once with zod. */
import * as z from 'zod';
import { DEFAULT_MANIFEST_PATH } from './bundle-input.js';
import { parseDeployOptions } from './option-issues.js';

/**
 * Cloud Functions' rule for function ids: 4 to 63 lowercase letters, digits
 * and `-` (functions.proto, `CreateFunctionRequest.function_id`), starting
 * with a letter and not ending with `-` (the id names the Cloud Run service).
 */
export const GCF_FUNCTION_NAME = /^[a-z][-a-z0-9]{2,61}[a-z0-9]$/;

/** The message of a bad function id, naming the rule. */
export const GCF_FUNCTION_NAME_RULE = 'an id of 4 to 63 lowercase letters, digits and -, starting with a letter and not ending with -';

/** What `deployGcf` deploys. */
export interface GcfDeployOptions {
  /** The function's id: 4 to 63 lowercase letters, digits and `-`, starting with a letter. */
  functionName: string;
  /** The Google Cloud project id. */
  project: string;
  /** The region, e.g. `europe-west1`. */
  region: string;
  /**
   * Memory in MiB, 128 to 32768.
   * @default 512
   */
  memoryMb?: number;
  /**
   * Timeout in seconds, 1 to 3600.
   * @default 60
   */
  timeoutSeconds?: number;
  /**
   * Who may reach the function's URL over the network (IAM still decides who may invoke it).
   * @default 'ALLOW_ALL'
   */
  ingress?: 'ALLOW_ALL' | 'ALLOW_INTERNAL_ONLY' | 'ALLOW_INTERNAL_AND_GCLB';
  /** More environment variables; `SPILLWAY_BUNDLE_HASH` is always set from the manifest. */
  environment?: Record<string, string>;
  /**
   * Path of the zip to upload.
   * @default the manifest's `targets.gcf.zip`, next to the manifest ('.spillway/gcf.zip')
   */
  zipPath?: string;
  /**
   * Path of the bundle manifest.
   * @default '.spillway/manifest.json'
   */
  manifestPath?: string;
  /**
   * Where to write what was deployed (see `readDeployment`).
   * @default 'gcf.deployment.json' next to the manifest ('.spillway/gcf.deployment.json')
   */
  recordPath?: string;
}

const memory = 'an integer number of MiB from 128 to 32768';
const timeout = 'an integer number of seconds from 1 to 3600';

const schema = z.object({
  functionName: z.string().regex(GCF_FUNCTION_NAME, { message: GCF_FUNCTION_NAME_RULE }),
  project: z.string().regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, { message: 'a Google Cloud project id' }),
  region: z.string().regex(/^[a-z]+-[a-z]+\d+$/, { message: 'a region such as europe-west1' }),
  memoryMb: z.number().int({ message: memory }).min(128, { message: memory }).max(32_768, { message: memory }).default(512),
  timeoutSeconds: z.number().int({ message: timeout }).min(1, { message: timeout }).max(3600, { message: timeout }).default(60),
  ingress: z
    .enum(['ALLOW_ALL', 'ALLOW_INTERNAL_ONLY', 'ALLOW_INTERNAL_AND_GCLB'], { message: 'ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB' })
    .default('ALLOW_ALL'),
  environment: z.record(z.string().regex(/^[a-zA-Z_]\w*$/, { message: 'a name of letters, digits and _' }), z.string()).default({}),
  zipPath: z.string().min(1).optional(),
  manifestPath: z.string().min(1).default(DEFAULT_MANIFEST_PATH),
  recordPath: z.string().min(1).optional(),
});

/** {@link GcfDeployOptions} with every default filled in. */
export type ResolvedGcfDeployOptions = z.output<typeof schema>;

const LABELS: Record<string, string> = {
  functionName: '`--function` (functionName)',
  project: '`--project` (project)',
  region: '`--region` (region)',
  memoryMb: '`--memory` (memoryMb)',
  timeoutSeconds: '`--timeout` (timeoutSeconds)',
  ingress: '`--ingress` (ingress)',
  environment: '`--env` (environment)',
  zipPath: '`--zip` (zipPath)',
  manifestPath: '`--manifest` (manifestPath)',
  recordPath: '`--record` (recordPath)',
};

/** Validates `options` and fills in defaults; throws a DeployError naming the first bad option. */
export function resolveGcfDeployOptions(options: GcfDeployOptions): ResolvedGcfDeployOptions {
  return parseDeployOptions(schema, options, LABELS);
}
