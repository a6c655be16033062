/**
 * `lambda.fromDeployment` / `cloudFunctions.fromDeployment`: backends built
 * from the records `spillway deploy` writes (written here by the same writer
 * the deploy scripts use), so names and prices are not typed twice.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lambda } from '../../adapters/aws-lambda/index.js';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { type GcfDeploymentRecord, type LambdaDeploymentRecord, writeDeployment } from '../../infra/deployment-record.js';

const dir = mkdtempSync(join(tmpdir(), 'spillway-from-deployment-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lambdaRecord: LambdaDeploymentRecord = {
  recordVersion: 1,
  platform: 'lambda',
  functionName: 'spillway-tasks',
  functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:spillway-tasks',
  alias: 'live',
  qualifiedArn: 'arn:aws:lambda:eu-west-1:123456789012:function:spillway-tasks:live',
  version: '3',
  region: 'eu-west-1',
  memoryMb: 2048,
  architecture: 'arm64',
  timeoutSeconds: 60,
  runtime: 'nodejs24.x',
  bundleHash: 'abc',
  deployedAt: '2026-12-01T00:00:00.000Z',
};

const gcfRecord: GcfDeploymentRecord = {
  recordVersion: 1,
  platform: 'gcf',
  name: 'projects/p/locations/europe-west1/functions/spillway-tasks',
  functionName: 'spillway-tasks',
  project: 'p',
  region: 'europe-west1',
  url: 'https://spillway-tasks-abc-ew.a.run.app',
  memoryMb: 512,
  cpu: 0.333,
  timeoutSeconds: 60,
  runtime: 'nodejs24',
  bundleHash: 'abc',
  deployedAt: '2026-12-01T00:00:00.000Z',
};

describe('lambda.fromDeployment', () => {
  it('takes the function, alias, region, memory and architecture from the record', async () => {
    const path = join(dir, 'lambda.deployment.json');
    await writeDeployment(path, lambdaRecord);
    const fromRecord = lambda.fromDeployment(path, { maxConcurrency: 7 });
    const typed = lambda({ functionName: 'spillway-tasks', qualifier: 'live', region: 'eu-west-1', memoryMb: 2048, architecture: 'arm64', maxConcurrency: 7 });
    expect(fromRecord).toMatchObject({
      functionName: 'spillway-tasks',
      qualifier: 'live',
      memoryMb: 2048,
      architecture: 'arm64',
      maxConcurrency: 7,
      maxBilledDurationMs: 60_000,
    });
    expect(fromRecord.estimateCostUsd(1234)).toBe(typed.estimateCostUsd(1234));
    expect(fromRecord.estimateCostUsd(1234)).not.toBe(lambda({ functionName: 'x' }).estimateCostUsd(1234));
    await Promise.all([fromRecord.destroy(), typed.destroy()]);
  });

  it('refuses a missing file, a record of the other platform and an invalid record, naming the field', async () => {
    expect(() => lambda.fromDeployment(join(dir, 'none.json'))).toThrow(/does not exist; run `spillway deploy` first/);
    const gcfPath = join(dir, 'other.deployment.json');
    await writeDeployment(gcfPath, gcfRecord);
    expect(() => lambda.fromDeployment(gcfPath)).toThrow(/Expected a lambda deployment record, got the gcf record/);
    const bad = join(dir, 'bad.deployment.json');
    writeFileSync(bad, JSON.stringify({ ...lambdaRecord, memoryMb: 'lots' }));
    expect(() => lambda.fromDeployment(bad)).toThrow(expect.objectContaining({ name: 'ValidationError', path: 'deployment.memoryMb' }));
  });
});

describe('cloudFunctions.fromDeployment', () => {
  it('takes the URL, memory and vCPU from the record', async () => {
    const path = join(dir, 'gcf.deployment.json');
    await writeDeployment(path, gcfRecord);
    const fromRecord = cloudFunctions.fromDeployment(path, { auth: 'none' });
    expect(fromRecord.pricing).toMatchObject({ memoryMb: 512, vcpu: 0.333 });
    expect(fromRecord.maxBilledDurationMs).toBe(60_000);
    const typed = cloudFunctions({ url: gcfRecord.url, auth: 'none', pricing: { memoryMb: 512, vcpu: 0.333 } });
    expect(fromRecord.estimateCostUsd?.(800)).toBe(typed.estimateCostUsd?.(800));
    await Promise.all([fromRecord.destroy(), typed.destroy()]);
  });
});
