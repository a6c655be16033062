/**
 * The user's path, outside in, from the packed package: spillway is packed
 * (`npm pack`) and installed into a fresh app outside the repository
 * (support/packed-app.ts), and the app's own scripts and the `spillway` bin
 * run there in child processes, as a user runs them:
 *
 * 1. local runs (tsx): 20,000 `run()` calls in one tick on the default
 *    options, and `map()` over an async generator;
 * 2. `tsc --noEmit` under `moduleResolution` node16 and bundler;
 * 3. `spillway/dev`: a burst on one local worker overflows to the Lambda and
 *    Cloud Functions emulators; after an edit of a helper the task module
 *    imports, with no new bundle, both remotes answer StaleBundleError;
 * 4. `npx spillway bundle`, then `deploy lambda` and `deploy gcf` with default
 *    paths against the local control-plane models, served on 127.0.0.1
 *    (support/control-plane-server.ts) and reached through the SDKs' own
 *    endpoint settings: create, re-deploy (alias move), teardown, in order.
 *
 * Nothing leaves 127.0.0.1 but `npm install` (from npm's cache when it can):
 * the CLI runs with a guard that refuses any other connection.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlaneServer, LOCAL_ACCESS_TOKEN, startControlPlaneServer } from '../support/control-plane-server.js';
import { LOOPBACK_ONLY_NODE_OPTIONS } from './support/loopback-only.js';
import { createPackedApp, lastJsonLine, type PackedApp } from './support/packed-app.js';

const INSTALL_TIMEOUT_MS = 240_000;
const STEP_TIMEOUT_MS = 120_000;

let app: PackedApp;

beforeAll(async () => {
  app = await createPackedApp();
}, INSTALL_TIMEOUT_MS);

afterAll(() => app?.remove());

describe('spillway installed from its packed tarball', () => {
  it(
    'runs 20,000 run() calls submitted at once and map() over an async generator on the local pool',
    async () => {
      const { stdout } = await app.exec('npx', ['tsx', 'local.ts']);
      const report = lastJsonLine<Record<string, unknown>>(stdout);
      expect(report).toEqual({
        greeting: 'Hello, local!',
        runs: 20_000,
        rejected: 0,
        // Sum of n² for n < 20,000, and for 1..500.
        sum: (19_999 * 20_000 * 39_999) / 6,
        mappedLength: 500,
        mappedSum: (500 * 501 * 1001) / 6,
        backends: ['local'],
      });
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'type-checks the app under moduleResolution node16 and bundler',
    async () => {
      const checks = ['tsconfig.node16.json', 'tsconfig.bundler.json'].map((project) => app.exec('npx', ['tsc', '--noEmit', '-p', project]));
      await expect(Promise.all(checks)).resolves.toHaveLength(2);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'bursts to both emulators of spillway/dev, and both answer StaleBundleError after an imported helper changes',
    async () => {
      const { stdout } = await app.exec('npx', ['tsx', 'burst.ts']);
      const report = lastJsonLine<{
        burst: { results: number[]; ranOn: Record<string, number>; placed: Record<string, string> };
        stale: Record<string, Record<string, unknown>>;
      }>(stdout);
      expect(report.burst.results).toEqual(Array.from({ length: 12 }, (_, n) => n * n));
      // One local worker, no local queue allowed, two in flight per remote: the burst reaches all three.
      expect(Object.keys(report.burst.ranOn).sort()).toEqual(['gcf', 'lambda', 'local']);
      expect(Object.values(report.burst.ranOn).reduce((total, count) => total + count, 0)).toBe(12);
      expect(report.burst.placed).toEqual({ lambda: 'Hello, lambda!', gcf: 'Hello, gcf!' });
      for (const backend of ['lambda', 'gcf']) {
        expect(report.stale[backend]).toMatchObject({ name: 'StaleBundleError', code: 'ERR_STALE_BUNDLE', backend });
      }
    },
    STEP_TIMEOUT_MS,
  );
});

describe('spillway bundle, deploy and teardown with default paths, against local control planes', () => {
  let planes: ControlPlaneServer;
  let cliEnv: Record<string, string>;
  const spillway = (...args: string[]) => app.exec('npx', ['spillway', ...args], cliEnv);
  const deployLambda = () =>
    spillway('deploy', 'lambda', '--json', '--function', 'spillway-e2e-tasks', '--role', 'arn:aws:iam::123456789012:role/spillway-e2e');
  const gcfTarget = ['--function', 'spillway-e2e-tasks', '--project', 'e2e-project', '--region', 'europe-west1'];
  const deployGcf = () => spillway('deploy', 'gcf', '--json', ...gcfTarget, '--api-endpoint', planes.gcfApi);
  const manifest = () => JSON.parse(readFileSync(join(app.dir, '.spillway', 'manifest.json'), 'utf8')) as { bundleHash: string };

  beforeAll(async () => {
    planes = await startControlPlaneServer();
    cliEnv = {
      NODE_OPTIONS: LOOPBACK_ONLY_NODE_OPTIONS,
      // The AWS SDK's own endpoint setting for Lambda; fake credentials, no config files, no instance metadata.
      AWS_ENDPOINT_URL_LAMBDA: planes.lambdaEndpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_CONFIG_FILE: join(app.dir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(app.dir, 'no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      // Application Default Credentials: an external_account file whose token exchange is the local server.
      GOOGLE_APPLICATION_CREDENTIALS: planes.writeGoogleCredentials(app.dir),
    };
  });

  afterAll(() => planes?.close());

  it(
    'bundles into .spillway/ and deploys both functions from there',
    async () => {
      await spillway('bundle', '--tasks', 'tasks.ts');
      const { bundleHash } = manifest();

      const lambda = JSON.parse((await deployLambda()).stdout) as Record<string, unknown>;
      expect(lambda).toMatchObject({ created: true, functionName: 'spillway-e2e-tasks', alias: 'live', version: '1', bundleHash });
      expect(lambda).toMatchObject({ architecture: 'x86_64', memoryMb: 1024, region: 'us-east-1' });
      expect(planes.lambda.calls).toEqual(expect.arrayContaining(['CreateFunction', 'PublishVersion', 'CreateAlias']));
      expect(planes.lambda.settings).toMatchObject({ Environment: { Variables: { SPILLWAY_BUNDLE_HASH: bundleHash } } });
      expect(planes.lambda.aliasVersion).toBe('1');
      expect(JSON.parse(readFileSync(join(app.dir, '.spillway', 'lambda.deployment.json'), 'utf8'))).toMatchObject({ version: '1', bundleHash });

      const gcf = JSON.parse((await deployGcf()).stdout) as Record<string, unknown>;
      expect(gcf).toMatchObject({ created: true, functionName: 'spillway-e2e-tasks', project: 'e2e-project', bundleHash });
      expect(planes.gcf.uploaded).toEqual(new Uint8Array(readFileSync(join(app.dir, '.spillway', 'gcf.zip'))));
      expect(planes.gcf.fn).toMatchObject({ serviceConfig: { environmentVariables: { SPILLWAY_BUNDLE_HASH: bundleHash } } });
      expect(planes.gcf.authorization).toContain(`Bearer ${LOCAL_ACCESS_TOKEN}`);
      expect(planes.tokenExchanges).toContain('local-subject-token');
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'prints the gcloud command with the bundle folder the manifest names',
    async () => {
      const { stdout } = await spillway('deploy', 'gcf', ...gcfTarget, '--print-gcloud');
      const source = /--source=(\S+)/.exec(stdout)?.[1] ?? '';
      expect(resolve(app.dir, source)).toBe(join(app.dir, '.spillway', 'gcf'));
    },
    STEP_TIMEOUT_MS,
  );

  it(
    're-deploys a changed bundle: the Lambda alias moves to version 2, the new Cloud Functions revision serves',
    async () => {
      const helper = join(app.dir, 'helper.ts');
      writeFileSync(helper, readFileSync(helper, 'utf8').replace('Hello', 'Hello again'));
      const before = manifest().bundleHash;
      await spillway('bundle', '--tasks', 'tasks.ts');
      const { bundleHash } = manifest();
      expect(bundleHash).not.toBe(before);

      planes.lambda.calls.length = 0;
      const lambda = JSON.parse((await deployLambda()).stdout) as Record<string, unknown>;
      expect(lambda).toMatchObject({ created: false, version: '2', bundleHash });
      expect(planes.lambda.calls).toEqual(expect.arrayContaining(['UpdateFunctionCode', 'UpdateFunctionConfiguration', 'PublishVersion', 'UpdateAlias']));
      expect(planes.lambda.calls).not.toContain('CreateFunction');
      expect(planes.lambda.aliasVersion).toBe('2');

      const gcf = JSON.parse((await deployGcf()).stdout) as Record<string, unknown>;
      expect(gcf).toMatchObject({ created: false, bundleHash });
      expect(planes.gcf.calls.some((call) => call.startsWith('PATCH '))).toBe(true);
      expect(planes.gcf).toMatchObject({ latestRevision: 2, servingRevision: 2 });
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'tears both functions down',
    async () => {
      planes.lambda.calls.length = 0;
      await spillway('teardown', 'lambda', '--function', 'spillway-e2e-tasks');
      expect(planes.lambda.calls).toContain('DeleteFunction');
      expect(planes.lambda.calls).not.toContain('DeleteAlias');
      expect(planes.lambda.exists).toBe(false);

      await spillway('teardown', 'gcf', ...gcfTarget, '--api-endpoint', planes.gcfApi);
      expect(planes.gcf.calls.at(-2)).toMatch(/^DELETE /);
      expect(planes.gcf.fn).toBeUndefined();
    },
    STEP_TIMEOUT_MS,
  );
});
