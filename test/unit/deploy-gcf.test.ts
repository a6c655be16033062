import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deployGcf } from '../../infra/deploy-gcf.js';
import { createGcfApi } from '../../infra/gcf-api.js';
import { resolveGcfDeployOptions } from '../../infra/gcf-options.js';
import { gcloudDeployCommand } from '../../infra/gcloud-command.js';
import { teardownGcf } from '../../infra/teardown-gcf.js';
import { createFakeBundle, type FakeBundle } from '../support/deploy-fixtures.js';
import { createFakeGcfState, type FakeGcfState, fakeGcfHandlers, GCF_API } from '../support/fake-gcf-control-plane.js';

const server = setupServer();
const api = createGcfApi({ baseUrl: GCF_API, authorize: async () => ({ authorization: 'Bearer test-token' }) });
const poll = { sleep: async () => {} };
const target = { functionName: 'spillway-tasks', project: 'demo-project', region: 'europe-west1' };

let bundle: FakeBundle;
let lines: string[];

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());
beforeEach(async () => {
  bundle = await createFakeBundle('gcf-hash-1');
  lines = [];
});
afterEach(async () => bundle.remove());

function use(state: FakeGcfState): FakeGcfState {
  server.use(...fakeGcfHandlers(state));
  return state;
}

function deploy(overrides: Record<string, unknown> = {}) {
  return deployGcf({ ...target, zipPath: bundle.gcfZipPath, manifestPath: bundle.manifestPath, ...overrides }, { api, log: (line) => lines.push(line), poll });
}

describe('deployGcf', () => {
  it('gets an upload URL, PUTs the zip, creates the function, polls the operation and returns the URL', async () => {
    const state = use(createFakeGcfState({ pendingPolls: 2 }));
    const result = await deploy();
    const fn = 'projects/demo-project/locations/europe-west1/functions';
    expect(state.calls).toEqual([
      `GET ${fn}/spillway-tasks`,
      `POST ${fn}:generateUploadUrl`,
      'PUT upload',
      `POST ${fn}`,
      'GET projects/p/locations/r/operations/create-1',
      'GET projects/p/locations/r/operations/create-1',
      'GET projects/p/locations/r/operations/create-1',
    ]);
    expect(new TextDecoder().decode(state.uploaded)).toBe('PK\u0003\u0004gcf');
    expect(result).toEqual({ created: true, name: `${fn}/spillway-tasks`, url: 'https://spillway-tasks-abc123-ew.a.run.app', bundleHash: 'gcf-hash-1' });
    expect(lines.at(-1)).toBe('url https://spillway-tasks-abc123-ew.a.run.app');
    expect(state.authorization.every((value) => value === 'Bearer test-token')).toBe(true);
  });

  it('sends a gen2 nodejs22 function with entry point spillway, the label, ingress, memory, timeout and the bundle hash', async () => {
    const state = use(createFakeGcfState());
    await deploy({ memoryMb: 1024, timeoutSeconds: 300, ingress: 'ALLOW_INTERNAL_ONLY' });
    expect(state.body).toEqual({
      name: 'projects/demo-project/locations/europe-west1/functions/spillway-tasks',
      environment: 'GEN_2',
      labels: { 'managed-by': 'spillway' },
      buildConfig: { runtime: 'nodejs22', entryPoint: 'spillway', source: { storageSource: { bucket: 'gcf-v2-uploads-test', object: 'upload.zip' } } },
      serviceConfig: {
        availableMemory: '1024Mi',
        timeoutSeconds: 300,
        ingressSettings: 'ALLOW_INTERNAL_ONLY',
        environmentVariables: { SPILLWAY_BUNDLE_HASH: 'gcf-hash-1' },
      },
    });
    // No IAM call: the function stays private.
    expect(state.calls.some((call) => call.includes('setIamPolicy'))).toBe(false);
  });

  it('updates a managed function with an update mask', async () => {
    const state = use(createFakeGcfState({ fn: { name: 'x', labels: { 'managed-by': 'spillway' } } }));
    const result = await deploy();
    expect(state.calls[3]).toBe('PATCH projects/demo-project/locations/europe-west1/functions/spillway-tasks');
    expect(state.updateMask?.split(',')).toContain('serviceConfig.environmentVariables');
    expect(result).toMatchObject({ created: false, url: 'https://updated-abc123-ew.a.run.app' });
  });

  it('refuses to update an unlabelled function', async () => {
    const state = use(createFakeGcfState({ fn: { name: 'x', labels: {} } }));
    await expect(deploy()).rejects.toMatchObject({ code: 'ERR_DEPLOY_UNMANAGED' });
    expect(state.calls).toHaveLength(1);
  });

  it('fails with the operation error message', async () => {
    use(createFakeGcfState({ operationError: { code: 3, message: 'Build failed: missing entry point spillway' } }));
    await expect(deploy()).rejects.toThrow('Cloud Functions failed to create spillway-tasks: Build failed: missing entry point spillway');
  });

  it('names bad options', async () => {
    use(createFakeGcfState());
    await expect(deploy({ memoryMb: 100 })).rejects.toThrow(/Expected `--memory` \(memoryMb\) to be an integer number of MiB from 128 to 32768, got 100/);
    await expect(deploy({ ingress: 'OPEN' })).rejects.toThrow(/`--ingress`/);
    await expect(deploy({ zipPath: `${bundle.dir}/none.zip` })).rejects.toThrow(/The zip `--zip` .*none.zip does not exist/);
  });
});

describe('gcloudDeployCommand', () => {
  it('prints the equivalent gcloud command', () => {
    const options = resolveGcfDeployOptions({ ...target, memoryMb: 1024, timeoutSeconds: 120 });
    expect(gcloudDeployCommand(options, 'h1', '.spillway/gcf')).toBe(
      'gcloud functions deploy spillway-tasks --project=demo-project --gen2 --runtime=nodejs22 --trigger-http --entry-point=spillway --source=.spillway/gcf --region=europe-west1 --no-allow-unauthenticated --memory=1024Mi --timeout=120s --ingress-settings=all --update-labels=managed-by=spillway --set-env-vars=SPILLWAY_BUNDLE_HASH=h1',
    );
  });
});

describe('teardownGcf', () => {
  it('deletes a managed function and waits for the operation', async () => {
    const state = use(createFakeGcfState({ fn: { name: 'x', labels: { 'managed-by': 'spillway' } }, pendingPolls: 1 }));
    await teardownGcf(target, { api, poll });
    expect(state.calls.map((call) => call.split(' ')[0])).toEqual(['GET', 'DELETE', 'GET', 'GET']);
    expect(state.fn).toBeUndefined();
  });

  it('refuses an unlabelled function and deletes nothing', async () => {
    const state = use(createFakeGcfState({ fn: { name: 'x', labels: { owner: 'ops' } } }));
    await expect(teardownGcf(target, { api, poll })).rejects.toThrow(
      'Refusing to delete the Cloud Function "spillway-tasks": it has no label managed-by: spillway, so spillway did not deploy it',
    );
    expect(state.calls).toHaveLength(1);
    expect(state.fn).toBeDefined();
  });
});
