/** Options of `deployLambda` / `spillway deploy lambda`, validated once with zod. */
import { z } from 'zod';
import { DEFAULT_LAMBDA_ZIP_PATH, DEFAULT_MANIFEST_PATH } from './bundle-input.js';
import { DeployError } from './deploy-error.js';
import { parseDeployOptions } from './option-issues.js';

/** Runtimes AWS has deprecated (or will soon) that deploy refuses. */
export const DEPRECATED_LAMBDA_RUNTIMES: readonly string[] = [
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
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** Lambda's rule for function names (plain names, not ARNs). */
export const LAMBDA_FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Lambda's rule for alias names: letters, digits, `-`, `_`, and not only digits. */
export const LAMBDA_ALIAS_NAME = /^(?!\d+$)[a-zA-Z0-9_-]{1,128}$/;

/** The environment key that carries the bundle's content hash. */
export const BUNDLE_HASH_ENV = 'SPILLWAY_BUNDLE_HASH';

/** What `deployLambda` deploys. */
export interface LambdaDeployOptions {
  /** The function's name. */
  functionName: string;
  /** ARN of an existing execution role; required when the function is created. spillway never creates roles. */
  role?: string;
  /**
   * Lambda runtime; deprecated ones (nodejs18.x and older) are refused.
   * @default 'nodejs22.x'
   */
  runtime?: string;
  /**
   * The handler, `file.export` inside the zip.
   * @default 'index.handler'
   */
  handler?: string;
  /**
   * Memory in MB, 128 to 10240.
   * @default 1024
   */
  memoryMb?: number;
  /**
   * Timeout in seconds, 1 to 900.
   * @default 60
   */
  timeoutSeconds?: number;
  /**
   * Instruction set.
   * @default 'arm64'
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
   * @default '.spillway/lambda/lambda.zip'
   */
  zipPath?: string;
  /**
   * Path of the bundle manifest.
   * @default '.spillway/manifest.json'
   */
  manifestPath?: string;
}

const schema = z.object({
  functionName: z.string().regex(LAMBDA_FUNCTION_NAME, { message: '1 to 64 letters, digits, - or _' }),
  role: z.string().regex(ROLE_ARN, { message: 'an IAM role ARN like arn:aws:iam::123456789012:role/spillway-exec' }).optional(),
  runtime: z
    .string()
    .regex(/^nodejs\d+\.x$/, { message: 'a Node.js runtime such as nodejs22.x' })
    .default('nodejs22.x'),
  handler: z.string().min(1, { message: 'a handler such as index.handler' }).default('index.handler'),
  memoryMb: z
    .number()
    .int({ message: 'an integer number of MB from 128 to 10240' })
    .min(128, { message: 'an integer number of MB from 128 to 10240' })
    .max(10_240, { message: 'an integer number of MB from 128 to 10240' })
    .default(1024),
  timeoutSeconds: z
    .number()
    .int({ message: 'an integer number of seconds from 1 to 900' })
    .min(1, { message: 'an integer number of seconds from 1 to 900' })
    .max(900, { message: 'an integer number of seconds from 1 to 900' })
    .default(60),
  architecture: z.enum(['arm64', 'x86_64'], { message: 'arm64 or x86_64' }).default('arm64'),
  alias: z.string().regex(LAMBDA_ALIAS_NAME, { message: '1 to 128 letters, digits, - or _, not only digits' }).default('live'),
  environment: z.record(z.string().regex(/^[a-zA-Z]\w*$/, { message: 'a name of letters, digits and _' }), z.string()).default({}),
  zipPath: z.string().min(1).default(DEFAULT_LAMBDA_ZIP_PATH),
  manifestPath: z.string().min(1).default(DEFAULT_MANIFEST_PATH),
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
};

/** Validates `options` and fills in defaults; throws a {@link DeployError} naming the first bad option. */
export function resolveLambdaDeployOptions(options: LambdaDeployOptions): ResolvedLambdaDeployOptions {
  const resolved = parseDeployOptions(schema, options, LABELS);
  if (DEPRECATED_LAMBDA_RUNTIMES.includes(resolved.runtime)) {
    throw new DeployError(
      `The runtime \`--runtime\` ${resolved.runtime} is deprecated by AWS Lambda; use nodejs22.x (the default) or nodejs20.x`,
      'ERR_DEPLOY_OPTION',
    );
  }
  if (Object.keys(resolved.environment).some((key) => key.startsWith('AWS_'))) {
    throw new DeployError('Environment variables `--env` may not start with AWS_ (Lambda reserves them); rename the variable', 'ERR_DEPLOY_OPTION');
  }
  return resolved;
}
