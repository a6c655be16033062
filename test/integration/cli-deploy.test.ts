import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_RUNTIMES } from '../../src/contract/platform.js';
import { createTestBundle, type TestBundle } from '../support/deploy-fixtures.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

// The built CLI as a child process (npm test builds dist first), in `cwd` (default: this process's). No command here
// reaches a network: each fails on input before any request, or at a closed local port.
async function spillwayIn(cwd: string | undefined, ...args: string[]): Promise<Outcome> {
  try {
    const env = { ...process.env, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_MAX_ATTEMPTS: '1' };
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env, ...(cwd === undefined ? {} : { cwd }) });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const spillway = (...args: string[]): Promise<Outcome> => spillwayIn(undefined, ...args);

let bundle: TestBundle;
beforeAll(async () => {
  bundle = await createTestBundle();
});
afterAll(async () => bundle.remove());

describe('spillway CLI (built)', () => {
  it('prints help for deploy lambda', async () => {
    const { code, stdout } = await spillway('deploy', 'lambda', '--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/Usage: spillway deploy lambda/);
    expect(stdout).toMatch(/--role <arn>/);
  });

  it('exits 2 (usage) with one line on an invalid memory', async () => {
    const { code, stderr } = await spillway('deploy', 'lambda', '--function', 'f', '--memory', 'lots');
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(`error: option '--memory <mb>' argument 'lots' is invalid. Expected a whole number, got "lots".`);
  });

  it('exits 1 naming a missing zip', async () => {
    const { code, stderr } = await spillway('deploy', 'lambda', '--function', 'f', '--manifest', bundle.manifestPath, '--zip', `${bundle.dir}/absent.zip`);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^spillway: The zip `--zip` .*absent\.zip does not exist; run `spillway bundle` first/m);
  });

  it('exits 2 (usage) on a deprecated runtime', async () => {
    const { code, stderr } = await spillway('deploy', 'lambda', '--function', 'f', '--runtime', 'nodejs18.x');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^spillway: The runtime `--runtime` nodejs18.x is deprecated/m);
  });

  it('prints the gcloud command with --print-gcloud', async () => {
    const { code, stdout } = await spillway(
      'deploy',
      'gcf',
      '--function',
      'spillway-tasks',
      '--project',
      'demo-project',
      '--region',
      'europe-west1',
      '--manifest',
      bundle.manifestPath,
      '--source-dir',
      'build/gcf',
      '--print-gcloud',
    );
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(
      new RegExp(
        `^gcloud functions deploy spillway-tasks --project=demo-project --gen2 --runtime=${NODE_RUNTIMES.gcf} --trigger-http --entry-point=spillway --source=build/gcf --region=europe-west1 --no-allow-unauthenticated --memory=512Mi --timeout=60s .*--set-env-vars=SPILLWAY_BUNDLE_HASH=${bundle.bundleHash}$`,
      ),
    );
  });

  it('deploy gcf --print-gcloud, run where `spillway bundle` ran, points --source at the unpacked gcf bundle', async () => {
    const args = ['deploy', 'gcf', '--function', 'spillway-tasks', '--project', 'demo-project', '--region', 'europe-west1', '--print-gcloud'];
    const { code, stdout } = await spillwayIn(bundle.dir, ...args);
    expect(code).toBe(0);
    expect(stdout).toContain(' --source=.spillway/gcf ');
  });

  it('deploy lambda, run where `spillway bundle` ran, finds the zip and manifest by their default paths', async () => {
    // A closed port: the deploy gets as far as the first request, which only happens after both files were read.
    const args = ['deploy', 'lambda', '--function', 'spillway-tasks', '--endpoint', 'http://127.0.0.1:9'];
    const { code, stderr } = await spillwayIn(bundle.dir, ...args);
    expect(code).toBe(1);
    expect(stderr).not.toMatch(/does not exist/);
    expect(stderr).toMatch(/lambda:GetFunction on "spillway-tasks" failed/);
  });

  it('prints the IAM policies as JSON', async () => {
    const { code, stdout } = await spillway('iam-policy', '--region', 'eu-west-1', '--account', '123456789012', '--function', 'spillway-tasks');
    expect(code).toBe(0);
    const policies = JSON.parse(stdout) as { callerPolicy: { Statement: Array<{ Resource: string }> } };
    expect(policies.callerPolicy.Statement[0]?.Resource).toBe('arn:aws:lambda:eu-west-1:123456789012:function:spillway-tasks:live');
  });

  it('exits 2 (usage) on a malformed account id', async () => {
    const { code, stderr } = await spillway('iam-policy', '--region', 'eu-west-1', '--account', '42', '--function', 'f');
    expect(code).toBe(2);
    expect(stderr.trim()).toBe('spillway: Expected `--account` to be a 12-digit AWS account id, got "42"');
  });

  it('has help for teardown and iam-policy', async () => {
    expect((await spillway('teardown', 'gcf', '--help')).stdout).toMatch(/managed-by: spillway/);
    expect((await spillway('iam-policy', '--help')).stdout).toMatch(/--account <id>/);
  });
});
