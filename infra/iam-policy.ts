/**
 * `spillway iam-policy`: the least-privilege IAM documents for a deployed
 * function, for the user to create the role, grant the caller and grant the
 * deploying credentials. spillway prints them; it never creates roles or
 * attaches policies.
 */
import { DeployError } from './deploy-error.js';
import { LAMBDA_ALIAS_NAME, LAMBDA_FUNCTION_NAME } from './lambda-options.js';

/** Which function the policies are for. */
export interface IamPolicyOptions {
  /** Region, e.g. `eu-west-1`. */
  region: string;
  /** 12-digit AWS account id. */
  account: string;
  /** The function's name. */
  functionName: string;
  /**
   * The alias callers invoke.
   * @default 'live'
   */
  alias?: string;
}

/** One IAM policy statement. */
interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow';
  Action: string | string[];
  Resource?: string | string[];
  Principal?: { Service: string };
  Condition?: Record<string, Record<string, string>>;
}

/** An IAM policy document. */
interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** The four documents `spillway iam-policy` prints. */
export interface IamPolicies {
  /** Attach to the application's credentials: invoke the alias, nothing else. */
  callerPolicy: PolicyDocument;
  /** Attach to the execution role: write the function's own logs, nothing else. */
  executionRolePolicy: PolicyDocument;
  /** The execution role's trust policy: only Lambda may assume it. */
  executionRoleTrustPolicy: PolicyDocument;
  /**
   * Attach to the credentials that run `spillway deploy lambda` and `spillway teardown lambda`:
   * the Lambda actions on this function (with `lambda:ListTags`, without which GetFunction returns
   * no tags and spillway cannot tell that it manages the function) and `iam:PassRole` to Lambda.
   */
  deployerPolicy: PolicyDocument;
}

/** The Lambda actions `spillway deploy lambda` and `spillway teardown lambda` call. */
const DEPLOYER_LAMBDA_ACTIONS: readonly string[] = [
  'lambda:GetFunction',
  'lambda:ListTags',
  'lambda:GetFunctionConfiguration',
  'lambda:CreateFunction',
  'lambda:TagResource',
  'lambda:UpdateFunctionCode',
  'lambda:UpdateFunctionConfiguration',
  'lambda:PublishVersion',
  'lambda:CreateAlias',
  'lambda:UpdateAlias',
  'lambda:DeleteFunction',
];

const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
const ACCOUNT = /^\d{12}$/;

/** Builds the policies; throws a {@link DeployError} naming a malformed option. */
export function buildIamPolicies(options: IamPolicyOptions): IamPolicies {
  const { region, account, functionName, alias = 'live' } = options;
  if (!REGION.test(region))
    throw new DeployError(`Expected \`--region\` to be an AWS region such as eu-west-1, got ${JSON.stringify(region)}`, 'ERR_DEPLOY_OPTION');
  if (!ACCOUNT.test(account))
    throw new DeployError(`Expected \`--account\` to be a 12-digit AWS account id, got ${JSON.stringify(account)}`, 'ERR_DEPLOY_OPTION');
  if (!LAMBDA_FUNCTION_NAME.test(functionName)) {
    throw new DeployError(`Expected \`--function\` to be 1 to 64 letters, digits, - or _, got ${JSON.stringify(functionName)}`, 'ERR_DEPLOY_OPTION');
  }
  if (!LAMBDA_ALIAS_NAME.test(alias)) {
    throw new DeployError(`Expected \`--alias\` to be 1 to 128 letters, digits, - or _ (not only digits), got ${JSON.stringify(alias)}`, 'ERR_DEPLOY_OPTION');
  }
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.includes('-gov-') ? 'aws-us-gov' : 'aws';
  // CloudWatch Logs names a log group in IAM as `…:log-group:<name>:*`; without `:*` the grant matches nothing.
  const logGroup = `arn:${partition}:logs:${region}:${account}:log-group:/aws/lambda/${functionName}:*`;
  const functionArn = `arn:${partition}:lambda:${region}:${account}:function:${functionName}`;
  return {
    callerPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'InvokeSpillwayAlias',
          Effect: 'Allow',
          Action: 'lambda:InvokeFunction',
          Resource: `${functionArn}:${alias}`,
        },
      ],
    },
    executionRolePolicy: {
      Version: '2012-10-17',
      Statement: [{ Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: logGroup }],
    },
    executionRoleTrustPolicy: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    },
    deployerPolicy: {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'DeploySpillwayFunction', Effect: 'Allow', Action: [...DEPLOYER_LAMBDA_ACTIONS], Resource: [functionArn, `${functionArn}:*`] },
        {
          Sid: 'PassExecutionRoleToLambda',
          Effect: 'Allow',
          Action: 'iam:PassRole',
          // Any role of the account, but only to Lambda; narrow it to your execution role's ARN if you like.
          Resource: `arn:${partition}:iam::${account}:role/*`,
          Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
        },
      ],
    },
  };
}
