import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaDeployClient } from '../../infra/lambda-client.js';
import { teardownLambda } from '../../infra/teardown-lambda.js';
import { createFakeLambdaState, type FakeLambdaState, fakeLambdaHandlers, LAMBDA_ENDPOINT } from '../support/fake-lambda-control-plane.js';

const server = setupServer();
const client = createLambdaDeployClient({ region: 'us-east-1', endpoint: LAMBDA_ENDPOINT, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function use(state: FakeLambdaState): FakeLambdaState {
  server.use(...fakeLambdaHandlers(state));
  return state;
}

describe('teardownLambda', () => {
  it('deletes the alias, then the function, of a managed function', async () => {
    const state = use(createFakeLambdaState({ exists: true, tags: { 'managed-by': 'spillway' }, aliasExists: true }));
    const lines: string[] = [];
    await teardownLambda({ functionName: 'spillway-tasks' }, { client, log: (line) => lines.push(line) });
    expect(state.calls).toEqual(['GetFunction', 'DeleteAlias', 'DeleteFunction']);
    expect(state.exists).toBe(false);
    expect(state.aliasExists).toBe(false);
    expect(lines).toEqual(['deleting alias live…', 'deleting function spillway-tasks…', 'deleted spillway-tasks']);
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

  it('says when the function does not exist', async () => {
    use(createFakeLambdaState());
    await expect(teardownLambda({ functionName: 'gone' }, { client })).rejects.toMatchObject({ code: 'ERR_DEPLOY_NOT_FOUND' });
  });

  it('still deletes the function when the alias is already gone', async () => {
    const state = use(createFakeLambdaState({ exists: true, tags: { 'managed-by': 'spillway' } }));
    await teardownLambda({ functionName: 'spillway-tasks' }, { client });
    expect(state.calls).toEqual(['GetFunction', 'DeleteAlias', 'DeleteFunction']);
    expect(state.exists).toBe(false);
  });
});
