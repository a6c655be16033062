// The optional peers (@aws-sdk/client-lambda, google-auth-library,
// @google-cloud/functions-framework, esbuild, and the payload stores' S3 and GCS SDKs) as a user meets them: an app
// folder where none of them resolves (peerless-app.ts), the built CLI and the
// built entries run in child processes. What needs no peer works; what needs
// one fails with ERR_MISSING_PEER naming the feature and the install command.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPeerlessApp } from '../support/peerless-app.js';

const PEERS = [
  '@aws-sdk/client-lambda',
  'google-auth-library',
  '@google-cloud/functions-framework',
  'esbuild',
  '@aws-sdk/client-s3',
  '@aws-sdk/s3-request-presigner',
  '@google-cloud/storage',
];

const TASKS = `import { offloadable } from 'spillway';
export const echo = offloadable('echo', (value) => value);
`;

// Each failure prints "<name> <code> <message>" on one line.
const PROGRAM = `import { createOffloader } from 'spillway';
import { lambda, s3PayloadStore } from 'spillway/aws-lambda';
import { cloudFunctions, gcsPayloadStore } from 'spillway/gcp-functions';
import { echo } from './tasks.mjs';
const report = (e) => console.log(e.name, e.code, e.message);
const tasks = new URL('./tasks.mjs', import.meta.url);
const offloader = createOffloader({ tasks, remotes: [lambda({ functionName: 'f', region: 'us-east-1' }), cloudFunctions({ url: 'http://127.0.0.1:9/' })] });
for (const placement of ['lambda', 'gcf']) await offloader.run(echo, 1, { placement }).catch(report);
await s3PayloadStore({ bucket: 'bucket' }).put('key', 'value').catch(report);
await gcsPayloadStore({ bucket: 'bucket' }).put('key', 'value').catch(report);
console.log('local', await offloader.run(echo, 'ok', { placement: 'local' }));
await offloader.close();
const handler = await import('spillway/gcp-functions/handler');
console.log('handler', typeof handler.createCloudFunctionHandler(tasks));
try { handler.registerCloudFunction('spillway', tasks); } catch (e) { report(e); }
await import('spillway/contract');
const dev = await import('spillway/dev');
await dev.startDev({ tasks: 'tasks.mjs' }).catch(report);
`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let app: ReturnType<typeof createPeerlessApp>;

function node(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: app.dir, env: { ...process.env, NODE_OPTIONS: '' } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

const spillway = (...args: string[]): Promise<Run> => node(join(app.dir, 'node_modules/spillway/dist/cli/index.js'), ...args);
const missing = (feature: string, peer: string, install: string): string =>
  `${feature} needs ${peer}, an optional peer dependency of spillway that is not installed: ${install}`;

beforeAll(() => {
  app = createPeerlessApp(PEERS, { 'tasks.mjs': TASKS, 'program.mjs': PROGRAM });
});
afterAll(() => app.remove());

describe('an app without the optional peers', () => {
  it('runs spillway --version, --help and inspect', async () => {
    const version = await spillway('--version');
    expect(version).toMatchObject({ code: 0, stderr: '' });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(await spillway('--help')).toMatchObject({ code: 0, stderr: '' });
    const inspect = await spillway('inspect', '--tasks', 'tasks.mjs', '--json');
    expect(inspect).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(inspect.stdout).tasks.map((task: { name: string }) => task.name)).toEqual(['echo']);
  });

  it('spillway bundle and dev exit 1 naming esbuild and its install command', async () => {
    for (const command of ['bundle', 'dev']) {
      const run = await spillway(command, '--tasks', 'tasks.mjs');
      expect(run).toEqual({ code: 1, stdout: '', stderr: `spillway: ${missing(`spillway ${command}`, 'esbuild', 'npm install --save-dev esbuild')}\n` });
    }
  });

  it('spillway teardown lambda and gcf exit 1 naming the AWS SDK and google-auth-library', async () => {
    const aws = await spillway('teardown', 'lambda', '--function', 'f', '--region', 'us-east-1');
    expect(aws).toEqual({
      code: 1,
      stdout: '',
      stderr: `spillway: ${missing('spillway teardown lambda', '@aws-sdk/client-lambda', 'npm install @aws-sdk/client-lambda')}\n`,
    });
    const gcp = await spillway('teardown', 'gcf', '--function', 'tasks', '--project', 'p', '--region', 'r', '--api-endpoint', 'http://127.0.0.1:9');
    expect(gcp).toEqual({
      code: 1,
      stdout: '',
      stderr: `spillway: ${missing('spillway teardown gcf', 'google-auth-library', 'npm install google-auth-library')}\n`,
    });
  });

  it('imports every entry; the local pool runs; each remote feature rejects with ERR_MISSING_PEER', async () => {
    const run = await node('program.mjs');
    expect(run.stderr).toBe('');
    expect(run.stdout.trim().split('\n')).toEqual([
      `MissingPeerError ERR_MISSING_PEER ${missing('lambda() of spillway/aws-lambda', '@aws-sdk/client-lambda', 'npm install @aws-sdk/client-lambda')}`,
      `MissingPeerError ERR_MISSING_PEER ${missing("cloudFunctions() of spillway/gcp-functions with auth 'google-id-token'", 'google-auth-library', 'npm install google-auth-library')}`,
      `MissingPeerError ERR_MISSING_PEER ${missing('s3PayloadStore() of spillway/aws-lambda', '@aws-sdk/client-s3', 'npm install @aws-sdk/client-s3')}`,
      `MissingPeerError ERR_MISSING_PEER ${missing('gcsPayloadStore() of spillway/gcp-functions', '@google-cloud/storage', 'npm install @google-cloud/storage')}`,
      'local ok',
      'handler function',
      `MissingPeerError ERR_MISSING_PEER ${missing('registerCloudFunction() of spillway/gcp-functions/handler', '@google-cloud/functions-framework', 'npm install @google-cloud/functions-framework')}`,
      `MissingPeerError ERR_MISSING_PEER ${missing('Bundling a task module (spillway bundle, spillway dev, startDev)', 'esbuild', 'npm install --save-dev esbuild')}`,
    ]);
  });
});
