import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaDeployClient } from '../../infra/lambda-client.js';
import { teardownLambda } from '../../infra/teardown-lambda.js';
import { createFakeLambdaState, type FakeLambdaState, fakeLambdaHandlers, LAMBDA_ENDPOINT } from '../support/fake-lambda-control-plane.js';

const server = setupServer();
const client = await createLambdaDeployClient({
  region: 'us-east-1',
  endpoint: LAMBDA_ENDPOINT,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
/** A least-privilege deployer: the actions of `spillway iam-policy`'s deployerPolicy, no DeleteAlias. */
const LEAST_PRIVILEGE = new Set(['DeleteAlias']);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function use(state: FakeLambdaState): FakeLambdaState {
  server.use(...fakeLambdaHandlers(state));
  return state;
}

describe('teardownLambda', () => {
  it('deletes a managed function with DeleteFunction alone, which takes its aliases along (no DeleteAlias)', async () => {
    const state = use(createFakeLambdaState({ exists: true, tags: { 'managed-by': 'spillway' }, aliasExists: true, denied: LEAST_PRIVILEGE }));
    const lines: string[] = [];
    await teardownLambda({ functionName: 'spillway-tasks' }, { client, log: (line) => lines.push(line) });
    expect(state.calls).toEqual(['GetFunction', 'DeleteFunction']);
    expect(state.exists).toBe(false);
    expect(state.aliasExists).toBe(false);
    expect(lines).toEqual(['deleting function spillway-tasks with its versions and aliases…', 'deleted spillway-tasks']);
  });

  it('refuses a function without the managed-by tag and deletes nothing', async () => {
    const state = use(createFakeLambdaState({ exists: true, tags: { 'managed-by': 'terraform' }, aliasExists: true }));
    await expect(teardownLambda({ functionName: 'payments' }, { client })).rejects.toMatchObject({
      code: 'ERR_DEPLOY_UNMANAGED',
      message: 'Refusing to delete the Lambda function "payments": it is not tagged managed-by: spillway, so spillway did not deploy it',
    });
    expect(state.calls).toEqual(['GetFunction']);
    expect(state.exists).toBe(true);
  });

  it('reports a TagsError (no lambda:ListTags) naming lambda:ListTags, and deletes nothing', async () => {
    const state = use(createFakeLambdaState({ exists: true, tags: { 'managed-by': 'spillway' }, denied: new Set(['ListTags']) }));
    await expect(teardownLambda({ functionName: 'spillway-tasks' }, { client })).rejects.toMatchObject({
      code: 'ERR_DEPLOY_ACCESS_DENIED',
      message: expect.stringMatching(/TagsError AccessDeniedException.*give the deleting credentials lambda:ListTags on the function$/),
    });
    expect(state.exists).toBe(true);
  });

  it('says when the function does not exist', async () => {
    use(createFakeLambdaState());
    await expect(teardownLambda({ functionName: 'gone' }, { client })).rejects.toMatchObject({ code: 'ERR_DEPLOY_NOT_FOUND' });
  });

  it('deletes a managed function that has no alias', async () => {
    const state = use(createFakeLambdaState({ exists: true, tags: { 'managed-by': 'spillway' } }));
    await teardownLambda({ functionName: 'spillway-tasks' }, { client });
    expect(state.calls).toEqual(['GetFunction', 'DeleteFunction']);
    expect(state.exists).toBe(false);
  });
});
