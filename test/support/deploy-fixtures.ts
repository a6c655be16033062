/** A temporary directory with a bundle zip and manifest, as `spillway bundle` writes them, for the deploy tests. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Paths of a fake bundle. */
export interface FakeBundle {
  dir: string;
  manifestPath: string;
  lambdaZipPath: string;
  gcfZipPath: string;
  bundleHash: string;
  remove: () => Promise<void>;
}

/** Writes `.spillway/manifest.json`, `.spillway/lambda/lambda.zip` and `.spillway/gcf/gcf.zip` under a new temporary directory. */
export async function createFakeBundle(bundleHash = 'sha256-test-hash'): Promise<FakeBundle> {
  const dir = await mkdtemp(join(tmpdir(), 'spillway-deploy-'));
  await mkdir(join(dir, '.spillway', 'lambda'), { recursive: true });
  await mkdir(join(dir, '.spillway', 'gcf'), { recursive: true });
  const manifestPath = join(dir, '.spillway', 'manifest.json');
  const lambdaZipPath = join(dir, '.spillway', 'lambda', 'lambda.zip');
  const gcfZipPath = join(dir, '.spillway', 'gcf', 'gcf.zip');
  await writeFile(manifestPath, JSON.stringify({ tasks: ['digest'], bundleHash, sizes: {}, runtime: 'node22' }));
  // Not a real archive: the control planes are mocked and only the bytes travel.
  await writeFile(lambdaZipPath, Buffer.from('PK\u0003\u0004lambda'));
  await writeFile(gcfZipPath, Buffer.from('PK\u0003\u0004gcf'));
  return { dir, manifestPath, lambdaZipPath, gcfZipPath, bundleHash, remove: () => rm(dir, { recursive: true, force: true }) };
}
