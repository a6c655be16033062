import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deployGcf } from '../../infra/deploy-gcf.js';
import { readDeployment } from '../../infra/deployment-record.js';
import { createGcfApi } from '../../infra/gcf-api.js';
import { resolveGcfDeployOptions } from '../../infra/gcf-options.js';
import { gcloudDeployCommand, gcloudDeployCommandForBundle } from '../../infra/gcloud-command.js';
import { teardownGcf } from '../../infra/teardown-gcf.js';
import { NODE_RUNTIMES } from '../../src/contract/platform.js';
import { createTestBundle, type TestBundle } from '../support/deploy-fixtures.js';
import { createFakeGcfState, type FakeGcfState, fakeGcfHandlers, GCF_API } from '../support/fake-gcf-control-plane.js';

const server = setupServer();
const api = createGcfApi({ baseUrl: GCF_API, authorize: async () => ({ authorization: 'Bearer test-token' }) });
const poll = { sleep: async () => {} };
const target = { functionName: 'spillway-tasks', project: 'demo-project', region: 'europe-west1' };
const NOW = new Date('2025-06-01T12:00:00.000Z');
const MANAGED_FN = { name: 'x', labels: { 'managed-by': 'spillway' } };

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

function use(state: FakeGcfState): FakeGcfState {
  server.use(...fakeGcfHandlers(state));
  return state;
}

function deploy(overrides: Record<string, unknown> = {}) {
  return deployGcf({ ...target, manifestPath: bundle.manifestPath, ...overrides }, { api, log: (line) => lines.push(line), poll, now: () => NOW });
}

describe('deployGcf', () => {
  it('gets an upload URL, PUTs the zip the bundler wrote, creates the function, polls the operation and returns the URL', async () => {
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
    expect(bundle.gcfZipPath).toBe(join(bundle.dir, '.spillway', 'gcf.zip'));
    expect(Buffer.from(state.uploaded ?? []).equals(await readFile(bundle.gcfZipPath))).toBe(true);
    expect(result).toMatchObject({
      created: true,
      name: `${fn}/spillway-tasks`,
      url: 'https://spillway-tasks-abc123-ew.a.run.app',
      bundleHash: bundle.bundleHash,
    });
    expect(lines.at(-2)).toBe('url https://spillway-tasks-abc123-ew.a.run.app');
    expect(state.authorization.every((value) => value === 'Bearer test-token')).toBe(true);
  });

  it('sends a gen2 function on NODE_RUNTIMES.gcf with the manifest entry point, the label, ingress, memory, timeout and the bundle hash', async () => {
    const state = use(createFakeGcfState());
    await deploy({ memoryMb: 1024, timeoutSeconds: 300, ingress: 'ALLOW_INTERNAL_ONLY' });
    expect(state.body).toEqual({
      name: 'projects/demo-project/locations/europe-west1/functions/spillway-tasks',
      environment: 'GEN_2',
      labels: { 'managed-by': 'spillway' },
      buildConfig: { runtime: NODE_RUNTIMES.gcf, entryPoint: 'spillway', source: { storageSource: { bucket: 'gcf-v2-uploads-test', object: 'upload.zip' } } },
      serviceConfig: {
        availableMemory: '1024Mi',
        timeoutSeconds: 300,
        ingressSettings: 'ALLOW_INTERNAL_ONLY',
        environmentVariables: { SPILLWAY_BUNDLE_HASH: bundle.bundleHash },
        allTrafficOnLatestRevision: true,
      },
    });
    // No IAM call: the function stays private.
    expect(state.calls.some((call) => call.includes('setIamPolicy'))).toBe(false);
  });

  it('writes what it deployed next to the manifest, with the vCPUs the API reports', async () => {
    use(createFakeGcfState());
    const result = await deploy();
    expect(result.recordPath).toBe(join(bundle.outDir, 'gcf.deployment.json'));
    expect(await readDeployment(result.recordPath)).toEqual({
      recordVersion: 1,
      platform: 'gcf',
      name: 'projects/demo-project/locations/europe-west1/functions/spillway-tasks',
      functionName: 'spillway-tasks',
      project: 'demo-project',
      region: 'europe-west1',
      url: 'https://spillway-tasks-abc123-ew.a.run.app',
      memoryMb: 512,
      cpu: 0.333,
      timeoutSeconds: 60,
      runtime: NODE_RUNTIMES.gcf,
      bundleHash: bundle.bundleHash,
      deployedAt: NOW.toISOString(),
    });
  });

  it('updates a managed function with an update mask', async () => {
    const state = use(createFakeGcfState({ fn: MANAGED_FN }));
    const result = await deploy();
    expect(state.calls[3]).toBe('PATCH projects/demo-project/locations/europe-west1/functions/spillway-tasks');
    expect(state.updateMask?.split(',')).toContain('serviceConfig.environmentVariables');
    expect(result).toMatchObject({ created: false, url: 'https://updated-abc123-ew.a.run.app' });
  });

  it('routes all traffic to the new revision on an update, even when traffic was pinned to an older one', async () => {
    const pinned = { ...MANAGED_FN, serviceConfig: { allTrafficOnLatestRevision: false } };
    const state = use(createFakeGcfState({ fn: pinned, latestRevision: 3, servingRevision: 2 }));
    await deploy();
    expect(state.updateMask?.split(',')).toContain('serviceConfig.allTrafficOnLatestRevision');
    expect((state.body?.serviceConfig as { allTrafficOnLatestRevision?: boolean } | undefined)?.allTrafficOnLatestRevision).toBe(true);
    expect(state.servingRevision).toBe(4);
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

  it('refuses function ids the API refuses (4 to 63 characters) before any request, naming --function', async () => {
    const state = use(createFakeGcfState());
    await expect(deploy({ functionName: 'abc' })).rejects.toThrow(
      'Expected `--function` (functionName) to be an id of 4 to 63 lowercase letters, digits and -, starting with a letter and not ending with -, got "abc"',
    );
    await expect(deploy({ functionName: `a${'b'.repeat(63)}` })).rejects.toThrow(/`--function`/);
    await expect(deploy({ functionName: 'Tasks' })).rejects.toThrow(/`--function`/);
    expect(state.calls).toEqual([]);
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
    expect(gcloudDeployCommand(options, { bundleHash: 'h1', entryPoint: 'spillway', sourceDir: '.spillway/gcf' })).toBe(
      `gcloud functions deploy spillway-tasks --project=demo-project --gen2 --runtime=${NODE_RUNTIMES.gcf} --trigger-http --entry-point=spillway --source=.spillway/gcf --region=europe-west1 --no-allow-unauthenticated --memory=1024Mi --timeout=120s --ingress-settings=all --update-labels=managed-by=spillway --set-env-vars=SPILLWAY_BUNDLE_HASH=h1`,
    );
  });

  it('takes --source from the manifest: the unpacked gcf folder the bundler wrote', async () => {
    const command = await gcloudDeployCommandForBundle({ ...target, manifestPath: bundle.manifestPath });
    expect(command).toContain(` --source=${join(bundle.outDir, 'gcf')} `);
    expect(command).toContain(`SPILLWAY_BUNDLE_HASH=${bundle.bundleHash}`);
  });
});

describe('teardownGcf', () => {
  it('deletes a managed function and waits for the operation', async () => {
    const state = use(createFakeGcfState({ fn: MANAGED_FN, pendingPolls: 1 }));
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
