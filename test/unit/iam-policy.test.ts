import { describe, expect, it } from 'vitest';
import { buildIamPolicies } from '../../infra/iam-policy.js';

describe('buildIamPolicies', () => {
  const policies = buildIamPolicies({ region: 'eu-west-1', account: '123456789012', functionName: 'spillway-tasks', alias: 'live' });

  it('lets the caller invoke only the alias', () => {
    expect(policies.callerPolicy.Statement).toEqual([
      {
        Sid: 'InvokeSpillwayAlias',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:spillway-tasks:live',
      },
    ]);
  });

  it('lets the execution role write only its own log group, named with the `:*` suffix CloudWatch Logs requires', () => {
    const actions = policies.executionRolePolicy.Statement.flatMap((statement) => statement.Action);
    expect(actions.sort()).toEqual(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents']);
    for (const statement of policies.executionRolePolicy.Statement) {
      expect(statement.Resource).toBe('arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/spillway-tasks:*');
    }
  });

  it('trusts only lambda.amazonaws.com', () => {
    expect(policies.executionRoleTrustPolicy.Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
  });

  it('gives the deployer lambda:ListTags (GetFunction returns no tags without it), no DeleteAlias, and PassRole to Lambda only', () => {
    const [lambdaStatement, passRole] = policies.deployerPolicy.Statement;
    expect(lambdaStatement?.Action).toContain('lambda:ListTags');
    expect(lambdaStatement?.Action).toContain('lambda:GetFunction');
    expect(lambdaStatement?.Action).toContain('lambda:DeleteFunction');
    expect(lambdaStatement?.Action).not.toContain('lambda:DeleteAlias');
    expect(lambdaStatement?.Resource).toEqual([
      'arn:aws:lambda:eu-west-1:123456789012:function:spillway-tasks',
      'arn:aws:lambda:eu-west-1:123456789012:function:spillway-tasks:*',
    ]);
    expect(passRole).toMatchObject({
      Action: 'iam:PassRole',
      Resource: 'arn:aws:iam::123456789012:role/*',
      Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
    });
  });

  it('defaults the alias to live and names bad options', () => {
    expect(buildIamPolicies({ region: 'us-east-1', account: '123456789012', functionName: 'f' }).callerPolicy.Statement[0]?.Resource).toBe(
      'arn:aws:lambda:us-east-1:123456789012:function:f:live',
    );
    expect(() => buildIamPolicies({ region: 'us-east-1', account: '1234', functionName: 'f' })).toThrow(
      /Expected `--account` to be a 12-digit AWS account id, got "1234"/,
    );
    expect(() => buildIamPolicies({ region: 'Europe', account: '123456789012', functionName: 'f' })).toThrow(/`--region`/);
  });
});
