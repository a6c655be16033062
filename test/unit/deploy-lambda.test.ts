import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveLambdaOptions } from '../../adapters/aws-lambda/options.js';
import { isDeployError } from '../../infra/deploy-error.js';
import { deployLambda } from '../../infra/deploy-lambda.js';
import { readDeployment } from '../../infra/deployment-record.js';
import { createLambdaDeployClient } from '../../infra/lambda-client.js';
import { DEFAULT_LAMBDA_ARCHITECTURE, DEFAULT_LAMBDA_MEMORY_MB } from '../../infra/lambda-options.js';
import { NODE_RUNTIMES } from '../../src/contract/platform.js';
import { createTestBundle, type TestBundle } from '../support/deploy-fixtures.js';
import { createFakeLambdaState, type FakeLambdaState, fakeLambdaHandlers, LAMBDA_ENDPOINT } from '../support/fake-lambda-control-plane.js';

const server = setupServer();
const ROLE = 'arn:aws:iam::123456789012:role/spillway-exec';
const client = await createLambdaDeployClient({
  region: 'us-east-1',
  endpoint: LAMBDA_ENDPOINT,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
const wait = { minDelayMs: 1, maxDelayMs: 2 };
const MANAGED = { exists: true, tags: { 'managed-by': 'spillway' } };
const NOW = new Date('2025-06-01T12:00:00.000Z');

let bundle: TestBundle;
let lines: string[];

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());
beforeEach(async () => {
  bundle = await createTestBundle();
  lines = [];
});
afterEach(async () => bundle.remove());

function use(state: FakeLambdaState): FakeLambdaState {
  server.use(...fakeLambdaHandlers(state));
  return state;
}

function deploy(overrides: Record<string, unknown> = {}) {
  return deployLambda(
    { functionName: 'spillway-tasks', role: ROLE, manifestPath: bundle.manifestPath, ...overrides },
    {
      client,
      log: (line) => lines.push(line),
      wait,
      now: () => NOW,
    },
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
  it('creates, waits Pending → Active with the SDK waiter, publishes and creates the alias, in that order', async () => {
    const state = use(createFakeLambdaState({ readiness: [{ State: 'Pending' }] }));
    const result = await deploy();
    expect(state.calls).toEqual(['GetFunction', 'CreateFunction', 'GetFunction', 'GetFunction', 'GetFunction', 'PublishVersion', 'CreateAlias']);
    expect(result).toMatchObject({
      created: true,
      version: '1',
      alias: 'live',
      aliasArn: 'arn:aws:lambda:us-east-1:123456789012:function:spillway-tasks:live',
    });
    expect(state.aliasVersion).toBe('1');
  });

  it('uploads the zip `spillway bundle` wrote, found through the manifest (no --zip)', async () => {
    const state = use(createFakeLambdaState());
    await deploy();
    const sent = String((state.bodies.CreateFunction?.Code as { ZipFile?: string } | undefined)?.ZipFile);
    expect(Buffer.from(sent, 'base64').equals(await readFile(bundle.lambdaZipPath))).toBe(true);
    expect(bundle.lambdaZipPath).toBe(join(bundle.dir, '.spillway', 'lambda.zip'));
  });

  it('sends NODE_RUNTIMES.lambda, x86_64 and the memory lambda() assumes, the role, the tag and SPILLWAY_BUNDLE_HASH', async () => {
    const state = use(createFakeLambdaState());
    await deploy({ timeoutSeconds: 120, environment: { LOG_LEVEL: 'debug' } });
    const defaults = resolveLambdaOptions({ functionName: 'spillway-tasks' });
    expect(DEFAULT_LAMBDA_ARCHITECTURE).toBe(defaults.architecture);
    expect(DEFAULT_LAMBDA_MEMORY_MB).toBe(defaults.memoryMb);
    expect(state.bodies.CreateFunction).toMatchObject({
      FunctionName: 'spillway-tasks',
      Role: ROLE,
      Runtime: NODE_RUNTIMES.lambda,
      Handler: 'index.handler',
      Architectures: [defaults.architecture],
      MemorySize: defaults.memoryMb,
      Timeout: 120,
      Tags: { 'managed-by': 'spillway' },
      Environment: { Variables: { LOG_LEVEL: 'debug', SPILLWAY_BUNDLE_HASH: bundle.bundleHash } },
    });
  });

  it('writes what it deployed next to the manifest, readable with readDeployment', async () => {
    use(createFakeLambdaState());
    const result = await deploy({ memoryMb: 2048, architecture: 'arm64' });
    expect(result.recordPath).toBe(join(bundle.outDir, 'lambda.deployment.json'));
    const record = await readDeployment(result.recordPath);
    expect(record).toEqual({
      recordVersion: 1,
      platform: 'lambda',
      functionName: 'spillway-tasks',
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:spillway-tasks',
      alias: 'live',
      qualifiedArn: 'arn:aws:lambda:us-east-1:123456789012:function:spillway-tasks:live',
      version: '1',
      region: 'us-east-1',
      memoryMb: 2048,
      architecture: 'arm64',
      timeoutSeconds: 60,
      runtime: NODE_RUNTIMES.lambda,
      bundleHash: bundle.bundleHash,
      deployedAt: NOW.toISOString(),
    });
  });

  it('logs one line per step', async () => {
    use(createFakeLambdaState());
    await deploy();
    expect(lines).toEqual([
      'creating function spillway-tasks…',
      'waiting for Active…',
      'publishing version…',
      'published version 1',
      'alias live → 1',
      `record ${join(bundle.outDir, 'lambda.deployment.json')}`,
    ]);
  });

  it('waits until a published version that starts Pending is Active', async () => {
    const state = use(createFakeLambdaState({ publishedReadiness: [{ State: 'Pending' }] }));
    await deploy();
    expect(state.calls.slice(-4)).toEqual(['PublishVersion', 'GetFunctionConfiguration', 'GetFunctionConfiguration', 'CreateAlias']);
  });
});

describe('deployLambda: re-deploy', () => {
  it('updates code, waits, updates configuration, waits, publishes and moves the alias', async () => {
    const state = use(
      createFakeLambdaState({
        ...MANAGED,
        aliasExists: true,
        aliasVersion: '1',
        version: 1,
        readiness: [{ LastUpdateStatus: 'InProgress' }],
      }),
    );
    const result = await deploy({ role: undefined });
    // Each update is InProgress until a read has seen it; the code update stays so for one more read.
    expect(state.calls).toEqual([
      'GetFunction',
      'UpdateFunctionCode',
      'GetFunction',
      'GetFunction',
      'GetFunction',
      'UpdateFunctionConfiguration',
      'GetFunction',
      'GetFunction',
      'PublishVersion',
      'UpdateAlias',
    ]);
    expect(result).toMatchObject({ created: false, version: '2' });
    expect(state.aliasVersion).toBe('2');
    expect(state.bodies.UpdateFunctionConfiguration).toMatchObject({ Environment: { Variables: { SPILLWAY_BUNDLE_HASH: bundle.bundleHash } } });
    expect(lines.at(-2)).toBe('alias live → 2');
  });

  it('creates the alias when an update finds none', async () => {
    const state = use(createFakeLambdaState({ ...MANAGED, version: 4 }));
    await deploy({ alias: 'prod' });
    expect(state.calls.slice(-3)).toEqual(['PublishVersion', 'UpdateAlias', 'CreateAlias']);
    expect(state.aliasVersion).toBe('5');
    expect(lines.at(-2)).toBe('alias prod → 5');
  });

  it('refuses to update a function that spillway did not deploy', async () => {
    const state = use(createFakeLambdaState({ exists: true, tags: { team: 'payments' } }));
    const error = await failure(deploy());
    expect(error.code).toBe('ERR_DEPLOY_UNMANAGED');
    expect(error.message).toMatch(/not tagged managed-by: spillway/);
    expect(state.calls).toEqual(['GetFunction']);
  });
});

describe('deployLambda: as the Lambda API behaves', () => {
  it('reports a TagsError (no lambda:ListTags) as such, not as an unmanaged function', async () => {
    const state = use(createFakeLambdaState({ ...MANAGED, denied: new Set(['ListTags']) }));
    const error = await failure(deploy());
    expect(error.code).toBe('ERR_DEPLOY_ACCESS_DENIED');
    expect(error.message).toMatch(/GetFunction returned no tags \(TagsError AccessDeniedException: .*\); give the deploying credentials lambda:ListTags/);
    expect(state.calls).toEqual(['GetFunction']);
  });

  it('waits for an update in progress before updating (Lambda answers ResourceConflictException otherwise)', async () => {
    const state = use(createFakeLambdaState({ ...MANAGED, current: { LastUpdateStatus: 'InProgress' }, readiness: [{ LastUpdateStatus: 'InProgress' }] }));
    await deploy();
    expect(state.calls.slice(0, 4)).toEqual(['GetFunction', 'GetFunction', 'GetFunction', 'UpdateFunctionCode']);
    expect(lines[0]).toBe('waiting for the update in progress to finish…');
  });

  it('waits for a Pending function to be Active before updating', async () => {
    const state = use(createFakeLambdaState({ ...MANAGED, current: { State: 'Pending' }, readiness: [{ State: 'Pending' }] }));
    await deploy();
    expect(state.calls.slice(0, 4)).toEqual(['GetFunction', 'GetFunction', 'GetFunction', 'UpdateFunctionCode']);
  });

  it('deletes and recreates a managed function whose creation Failed, reusing its role', async () => {
    const failed = { State: 'Failed' as const, StateReasonCode: 'InvalidRuntime', StateReason: 'The runtime is not supported' };
    const state = use(createFakeLambdaState({ ...MANAGED, current: failed, settings: { Role: ROLE } }));
    const result = await deploy({ role: undefined });
    expect(state.calls.slice(0, 3)).toEqual(['GetFunction', 'DeleteFunction', 'CreateFunction']);
    expect(state.bodies.CreateFunction).toMatchObject({ Role: ROLE });
    expect(result).toMatchObject({ created: true, version: '1' });
    expect(lines[0]).toBe('function spillway-tasks is in state Failed (InvalidRuntime: The runtime is not supported); deleting it to create it again…');
  });

  it('refuses one-letter environment keys before any request, naming --env', async () => {
    const state = use(createFakeLambdaState());
    await expect(deploy({ environment: { A: '1' } })).rejects.toThrow(
      'Expected `--env` (environment) keys to be a letter then one or more letters, digits or _ (Lambda refuses one-letter names), got "A"',
    );
    expect(state.calls).toEqual([]);
  });

  it('refuses function names Lambda refuses, naming --function', async () => {
    const state = use(createFakeLambdaState());
    await expect(deploy({ functionName: 'a'.repeat(65) })).rejects.toThrow(/Expected `--function` \(functionName\) to be 1 to 64 letters/);
    await expect(deploy({ functionName: 'spillway.tasks' })).rejects.toThrow(/`--function`/);
    expect(state.calls).toEqual([]);
  });
});

describe('deployLambda: failures', () => {
  it('fails with the StateReason when the function ends in state Failed', async () => {
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
        ...MANAGED,
        readiness: [{ LastUpdateStatus: 'Failed', LastUpdateStatusReasonCode: 'InvalidZipFileException', LastUpdateStatusReason: 'Could not unzip' }],
      }),
    );
    const error = await failure(deploy());
    expect(error.message).toMatch(/update of Lambda function "spillway-tasks" failed: InvalidZipFileException: Could not unzip/);
  });

  it('gives up when the function never reaches Active within maxWaitMs', async () => {
    use(createFakeLambdaState({ readiness: Array.from({ length: 10_000 }, () => ({ State: 'Pending' as const })) }));
    const error = await failure(
      deployLambda({ functionName: 'spillway-tasks', role: ROLE, manifestPath: bundle.manifestPath }, { client, wait: { ...wait, maxWaitMs: 50 } }),
    );
    expect(error.code).toBe('ERR_DEPLOY_TIMEOUT');
    expect(error.message).toMatch(/^The Lambda function "spillway-tasks" was not Active after \d+ s \(State Pending/);
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
