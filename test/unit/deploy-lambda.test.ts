import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isDeployError } from '../../infra/deploy-error.js';
import { deployLambda } from '../../infra/deploy-lambda.js';
import { createLambdaDeployClient } from '../../infra/lambda-client.js';
import { createFakeBundle, type FakeBundle } from '../support/deploy-fixtures.js';
import { createFakeLambdaState, type FakeLambdaState, fakeLambdaHandlers, LAMBDA_ENDPOINT } from '../support/fake-lambda-control-plane.js';

const server = setupServer();
const ROLE = 'arn:aws:iam::123456789012:role/spillway-exec';
const client = createLambdaDeployClient({ region: 'us-east-1', endpoint: LAMBDA_ENDPOINT, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const poll = { sleep: async () => {} };

let bundle: FakeBundle;
let lines: string[];

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());
beforeEach(async () => {
  bundle = await createFakeBundle();
  lines = [];
});
afterEach(async () => bundle.remove());

function use(state: FakeLambdaState): FakeLambdaState {
  server.use(...fakeLambdaHandlers(state));
  return state;
}

function deploy(overrides: Record<string, unknown> = {}) {
  return deployLambda(
    { functionName: 'spillway-tasks', role: ROLE, zipPath: bundle.lambdaZipPath, manifestPath: bundle.manifestPath, ...overrides },
    { client, log: (line) => lines.push(line), poll },
  );
}

async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!isDeployError(error)) throw new Error(`expected a DeployError, got ${String(error)}`);
  return error;
}

describe('deployLambda: fresh create', () => {
  it('creates, waits Pending → Active, publishes and creates the alias, in that order', async () => {
    const state = use(
      createFakeLambdaState({
        readiness: [{ State: 'Pending', LastUpdateStatus: 'InProgress' }, { State: 'Pending' }, { State: 'Active', LastUpdateStatus: 'Successful' }],
      }),
    );
    const result = await deploy();
    expect(state.calls).toEqual([
      'GetFunction',
      'CreateFunction',
      'GetFunctionConfiguration',
      'GetFunctionConfiguration',
      'GetFunctionConfiguration',
      'PublishVersion',
      'CreateAlias',
    ]);
    expect(result).toMatchObject({
      created: true,
      version: '1',
      alias: 'live',
      aliasArn: 'arn:aws:lambda:us-east-1:123456789012:function:spillway-tasks:live',
    });
    expect(state.aliasVersion).toBe('1');
  });

  it('sends runtime nodejs22.x, arm64, memory, timeout, role, the managed-by tag and SPILLWAY_BUNDLE_HASH', async () => {
    const state = use(createFakeLambdaState());
    await deploy({ memoryMb: 2048, timeoutSeconds: 120, environment: { LOG_LEVEL: 'debug' } });
    const body = state.bodies.CreateFunction;
    expect(body).toMatchObject({
      FunctionName: 'spillway-tasks',
      Role: ROLE,
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 2048,
      Timeout: 120,
      Tags: { 'managed-by': 'spillway' },
      Environment: { Variables: { LOG_LEVEL: 'debug', SPILLWAY_BUNDLE_HASH: bundle.bundleHash } },
    });
    expect(typeof (body?.Code as { ZipFile?: unknown } | undefined)?.ZipFile).toBe('string');
  });

  it('logs one line per step', async () => {
    use(createFakeLambdaState());
    await deploy();
    expect(lines).toEqual(['creating function spillway-tasks…', 'waiting for Active…', 'publishing version…', 'published version 1', 'alias live → 1']);
  });
});

describe('deployLambda: re-deploy', () => {
  it('updates code, waits, updates configuration, waits, publishes and moves the alias', async () => {
    const state = use(
      createFakeLambdaState({
        exists: true,
        tags: { 'managed-by': 'spillway' },
        aliasExists: true,
        aliasVersion: '1',
        version: 1,
        readiness: [
          { LastUpdateStatus: 'InProgress' },
          { LastUpdateStatus: 'Successful' },
          { LastUpdateStatus: 'InProgress' },
          { LastUpdateStatus: 'Successful' },
        ],
      }),
    );
    const result = await deploy({ role: undefined });
    expect(state.calls).toEqual([
      'GetFunction',
      'UpdateFunctionCode',
      'GetFunctionConfiguration',
      'GetFunctionConfiguration',
      'UpdateFunctionConfiguration',
      'GetFunctionConfiguration',
      'GetFunctionConfiguration',
      'PublishVersion',
      'UpdateAlias',
    ]);
    expect(result).toMatchObject({ created: false, version: '2' });
    expect(state.aliasVersion).toBe('2');
    expect(state.bodies.UpdateFunctionConfiguration).toMatchObject({ Environment: { Variables: { SPILLWAY_BUNDLE_HASH: bundle.bundleHash } } });
    expect(lines.at(-1)).toBe('alias live → 2');
  });

  it('creates the alias when an update finds none', async () => {
    const state = use(createFakeLambdaState({ exists: true, tags: { 'managed-by': 'spillway' }, version: 4 }));
    await deploy({ alias: 'prod' });
    expect(state.calls.slice(-3)).toEqual(['PublishVersion', 'UpdateAlias', 'CreateAlias']);
    expect(state.aliasVersion).toBe('5');
    expect(lines.at(-1)).toBe('alias prod → 5');
  });

  it('refuses to update a function that spillway did not deploy', async () => {
    const state = use(createFakeLambdaState({ exists: true, tags: { team: 'payments' } }));
    const error = await failure(deploy());
    expect(error.code).toBe('ERR_DEPLOY_UNMANAGED');
    expect(error.message).toMatch(/not tagged managed-by: spillway/);
    expect(state.calls).toEqual(['GetFunction']);
  });
});

describe('deployLambda: failures', () => {
  it('fails with the reason when the function ends in state Failed', async () => {
    use(
      createFakeLambdaState({
        readiness: [{ State: 'Pending' }, { State: 'Failed', StateReasonCode: 'InvalidRuntime', StateReason: 'The runtime is not supported' }],
      }),
    );
    const error = await failure(deploy());
    expect(error.code).toBe('ERR_DEPLOY_FAILED');
    expect(error.message).toBe('The Lambda function "spillway-tasks" failed to become Active: InvalidRuntime: The runtime is not supported');
  });

  it('fails with the reason when an update fails', async () => {
    use(
      createFakeLambdaState({
        exists: true,
        tags: { 'managed-by': 'spillway' },
        readiness: [{ LastUpdateStatus: 'Failed', LastUpdateStatusReasonCode: 'InvalidZipFileException', LastUpdateStatusReason: 'Could not unzip' }],
      }),
    );
    const error = await failure(deploy());
    expect(error.message).toMatch(/update of Lambda function "spillway-tasks" failed: InvalidZipFileException: Could not unzip/);
  });

  it('gives up after maxPolls checks that never reach Active', async () => {
    use(createFakeLambdaState({ readiness: Array.from({ length: 10 }, () => ({ State: 'Pending' as const })) }));
    const error = await deployLambda(
      { functionName: 'spillway-tasks', role: ROLE, zipPath: bundle.lambdaZipPath, manifestPath: bundle.manifestPath },
      { client, poll: { ...poll, maxPolls: 3 } },
    ).catch((thrown: Error & { code?: string }) => thrown);
    expect(error).toMatchObject({ code: 'ERR_DEPLOY_TIMEOUT' });
  });

  it('needs --role to create a function, and says so', async () => {
    const state = use(createFakeLambdaState());
    const error = await failure(deploy({ role: undefined }));
    expect(error.code).toBe('ERR_DEPLOY_OPTION');
    expect(error.message).toMatch(/creating it needs `--role`/);
    expect(state.calls).toEqual(['GetFunction']);
  });

  it('explains AccessDenied with the action and iam:PassRole', async () => {
    use(createFakeLambdaState({ denied: new Set(['CreateFunction']) }));
    const error = await failure(deploy());
    expect(error.code).toBe('ERR_DEPLOY_ACCESS_DENIED');
    expect(error.message).toMatch(/^Not allowed to call lambda:CreateFunction on "spillway-tasks" \(AccessDeniedException/);
    expect(error.message).toMatch(/iam:PassRole/);
  });

  it('checks options before any request', async () => {
    const state = use(createFakeLambdaState());
    await expect(deploy({ role: 'spillway-exec' })).rejects.toThrow(/Expected `--role` \(role\) to be an IAM role ARN/);
    await expect(deploy({ memoryMb: 64 })).rejects.toThrow(/Expected `--memory` \(memoryMb\) to be an integer number of MB from 128 to 10240, got 64/);
    await expect(deploy({ timeoutSeconds: 901 })).rejects.toThrow(/`--timeout`.*got 901/);
    await expect(deploy({ runtime: 'nodejs18.x' })).rejects.toThrow(/nodejs18.x is deprecated/);
    await expect(deploy({ runtime: 'nodejs16.x' })).rejects.toThrow(/deprecated/);
    await expect(deploy({ zipPath: `${bundle.dir}/missing.zip` })).rejects.toThrow(/The zip `--zip` .*missing.zip does not exist; run `spillway bundle` first/);
    await expect(deploy({ manifestPath: `${bundle.dir}/missing.json` })).rejects.toThrow(/The manifest `--manifest` .* does not exist/);
    expect(state.calls).toEqual([]);
  });
});
