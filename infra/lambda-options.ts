/** Options of `deployLambda` / `spillway deploy lambda`, validated once with zod. */
import * as z from 'zod';
import { NODE_RUNTIMES } from '../src/contract/platform.js';
import { DEFAULT_MANIFEST_PATH } from './bundle-input.js';
import { DeployError } from './deploy-error.js';
import { parseDeployOptions } from './option-issues.js';

/** Runtimes AWS has deprecated (or will soon) that deploy refuses. */
const DEPRECATED_LAMBDA_RUNTIMES: readonly string[] = [
  'nodejs',
  'nodejs4.3',
  'nodejs6.10',
  'nodejs8.10',
  'nodejs10.x',
  'nodejs12.x',
  'nodejs14.x',
  'nodejs16.x',
  'nodejs18.x',
];

/** The shape of an IAM role ARN. */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** Lambda's rule for function names (plain names, not ARNs). */
export const LAMBDA_FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Lambda's rule for alias names: letters, digits, `-`, `_`, and not only digits. */
export const LAMBDA_ALIAS_NAME = /^(?!\d+$)[a-zA-Z0-9_-]{1,128}$/;

/** Lambda's rule for environment variable keys: a letter, then at least one letter, digit or `_` (so one-letter keys are refused). */
const LAMBDA_ENV_KEY = /^[a-zA-Z][a-zA-Z0-9_]+$/;

/** Runtime of a deployed function: `NODE_RUNTIMES.lambda`, the runtime the bundle is built for. */
export const DEFAULT_LAMBDA_RUNTIME = NODE_RUNTIMES.lambda;

/** Memory of a deployed function: the same as `lambda()`'s default `memoryMb`, so its cost estimate fits without repeating it. */
export const DEFAULT_LAMBDA_MEMORY_MB = 1024;

/** Instruction set of a deployed function: the same as `lambda()`'s default `architecture`, whose prices it uses. */
export const DEFAULT_LAMBDA_ARCHITECTURE = 'x86_64';

/** What `deployLambda` deploys. */
export interface LambdaDeployOptions {
  /** The function's name. */
  functionName: string;
  /** ARN of an existing execution role; required when the function is created. spillway never creates roles. */
  role?: string;
  /**
   * Lambda runtime; deprecated ones (nodejs18.x and older) are refused.
   * @default NODE_RUNTIMES.lambda ('nodejs24.x')
   */
  runtime?: string;
  /**
   * The handler, `file.export` inside the zip.
   * @default the manifest's `targets.lambda.handler` ('index.handler')
   */
  handler?: string;
  /**
   * Memory in MB, 128 to 10240.
   * @default 1024 (`lambda()`'s default `memoryMb`)
   */
  memoryMb?: number;
  /**
   * Timeout in seconds, 1 to 900.
   * @default 60
   */
  timeoutSeconds?: number;
  /**
   * Instruction set.
   * @default 'x86_64' (what `lambda()` prices by default)
   */
  architecture?: 'arm64' | 'x86_64';
  /**
   * The alias callers invoke, moved to the new version after each deploy.
   * @default 'live'
   */
  alias?: string;
  /** More environment variables; `SPILLWAY_BUNDLE_HASH` is always set from the manifest. */
  environment?: Record<string, string>;
  /**
   * Path of the zip to upload.
   * @default the manifest's `targets.lambda.zip`, next to the manifest ('.spillway/lambda.zip')
   */
  zipPath?: string;
  /**
   * Path of the bundle manifest.
   * @default '.spillway/manifest.json'
   */
  manifestPath?: string;
  /**
   * Where to write what was deployed (see `readDeployment`).
   * @default 'lambda.deployment.json' next to the manifest ('.spillway/lambda.deployment.json')
   */
  recordPath?: string;
}

const schema = z.object({
  functionName: z.string().regex(LAMBDA_FUNCTION_NAME, { message: '1 to 64 letters, digits, - or _' }),
  role: z.string().regex(ROLE_ARN, { message: 'an IAM role ARN like arn:aws:iam::123456789012:role/spillway-exec' }).optional(),
  runtime: z
    .string()
    .regex(/^nodejs\d+\.x$/, { message: `a Node.js runtime such as ${NODE_RUNTIMES.lambda}` })
    .default(DEFAULT_LAMBDA_RUNTIME),
  handler: z.string().min(1, { message: 'a handler such as index.handler' }).optional(),
  memoryMb: z
    .number()
    .int({ message: 'an integer number of MB from 128 to 10240' })
    .min(128, { message: 'an integer number of MB from 128 to 10240' })
    .max(10_240, { message: 'an integer number of MB from 128 to 10240' })
    .default(DEFAULT_LAMBDA_MEMORY_MB),
  timeoutSeconds: z
    .number()
    .int({ message: 'an integer number of seconds from 1 to 900' })
    .min(1, { message: 'an integer number of seconds from 1 to 900' })
    .max(900, { message: 'an integer number of seconds from 1 to 900' })
    .default(60),
  architecture: z.enum(['x86_64', 'arm64'], { message: 'x86_64 or arm64' }).default(DEFAULT_LAMBDA_ARCHITECTURE),
  alias: z.string().regex(LAMBDA_ALIAS_NAME, { message: '1 to 128 letters, digits, - or _, not only digits' }).default('live'),
  environment: z
    .record(z.string().regex(LAMBDA_ENV_KEY, { message: 'a letter then one or more letters, digits or _ (Lambda refuses one-letter names)' }), z.string())
    .default({}),
  zipPath: z.string().min(1).optional(),
  manifestPath: z.string().min(1).default(DEFAULT_MANIFEST_PATH),
  recordPath: z.string().min(1).optional(),
});

/** {@link LambdaDeployOptions} with every default filled in. */
export type ResolvedLambdaDeployOptions = z.output<typeof schema>;

const LABELS: Record<string, string> = {
  functionName: '`--function` (functionName)',
  role: '`--role` (role)',
  runtime: '`--runtime` (runtime)',
  handler: '`--handler` (handler)',
  memoryMb: '`--memory` (memoryMb)',
  timeoutSeconds: '`--timeout` (timeoutSeconds)',
  architecture: '`--architecture` (architecture)',
  alias: '`--alias` (alias)',
  environment: '`--env` (environment)',
  zipPath: '`--zip` (zipPath)',
  manifestPath: '`--manifest` (manifestPath)',
  recordPath: '`--record` (recordPath)',
};

/** Validates `options` and fills in defaults; throws a {@link DeployError} naming the first bad option. */
export function resolveLambdaDeployOptions(options: LambdaDeployOptions): ResolvedLambdaDeployOptions {
  const resolved = parseDeployOptions(schema, options, LABELS);
  if (DEPRECATED_LAMBDA_RUNTIMES.includes(resolved.runtime)) {
    throw new DeployError(
      `The runtime \`--runtime\` ${resolved.runtime} is deprecated by AWS Lambda; use ${NODE_RUNTIMES.lambda} (the default)`,
      'ERR_DEPLOY_OPTION',
    );
  }
  if (Object.keys(resolved.environment).some((key) => key.startsWith('AWS_'))) {
    throw new DeployError('Environment variables `--env` may not start with AWS_ (Lambda reserves them); rename the variable', 'ERR_DEPLOY_OPTION');
  }
  return resolved;
}
