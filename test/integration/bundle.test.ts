// infra/bundle.ts as a library: the refusals that are hard to provoke
// from the CLI (a zip over the limit needs 50 MB of task module).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleTaskModule } from '../../infra/bundle.js';
import { BundleError } from '../../infra/bundle-error.js';
import { rejectionOf } from '../support/helpers.js';

const remoteTasks = fileURLToPath(new URL('../fixtures/remote-tasks.mjs', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'spillway-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('bundleTaskModule', () => {
  it('refuses a Lambda zip over the limit, naming the size, the limit and the fix', async () => {
    const error = (await rejectionOf(bundleTaskModule({ tasks: remoteTasks, outDir: join(work, 'big'), maxLambdaZipBytes: 1_000 }))) as BundleError;
    expect(error).toBeInstanceOf(BundleError);
    expect(error).toMatchObject({ code: 'ERR_BUNDLE_TOO_LARGE', field: 'tasks' });
    expect(error.message).toMatch(/zipped, over the 1000 B limit/);
    expect(error.message).not.toContain('\n');
  });

  it('refuses a module that exports no offloadable task', async () => {
    const empty = join(work, 'empty.mjs');
    writeFileSync(empty, 'export const notATask = 1;\n');
    const error = (await rejectionOf(bundleTaskModule({ tasks: empty, outDir: join(work, 'empty') }))) as BundleError;
    expect(error).toMatchObject({ code: 'ERR_NO_TASKS', field: 'tasks' });
  });

  it('reports a syntax error of the module as ERR_BUNDLE_BUILD with file and line', async () => {
    const broken = join(work, 'broken.mjs');
    writeFileSync(broken, 'export const a = ;\n');
    const error = (await rejectionOf(bundleTaskModule({ tasks: broken, outDir: join(work, 'broken') }))) as BundleError;
    expect(error).toMatchObject({ code: 'ERR_BUNDLE_BUILD', field: 'tasks' });
    expect(error.message).toContain('broken.mjs:1');
  });

  it('builds the same zips from the same module twice (reproducible)', async () => {
    const first = await bundleTaskModule({ tasks: remoteTasks, outDir: join(work, 'a') });
    const second = await bundleTaskModule({ tasks: remoteTasks, outDir: join(work, 'b') });
    expect(second.manifest.targets).toEqual(first.manifest.targets);
    expect(second.manifest.bundleHash).toBe(first.manifest.bundleHash);
  });
});
