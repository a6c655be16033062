// infra/bundle.ts as a library: the refusals that are hard to provoke
// from the CLI (a zip over the limit needs 50 MB of task module).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Metafile } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { createLambdaHandler } from '../../adapters/aws-lambda/handler.js';
import { bundleTaskModule } from '../../infra/bundle.js';
import { BundleError } from '../../infra/bundle-error.js';
import { ValidationError } from '../../src/errors.js';
import { rejectionOf } from '../support/helpers.js';

const remoteTasks = fileURLToPath(new URL('../fixtures/remote-tasks.mjs', import.meta.url));
const namedZodTasks = fileURLToPath(new URL('../fixtures/named-zod-tasks.mjs', import.meta.url));

/** The zod locales (file names without `.js`, not the `index` that lists them) that add bytes to a bundle. */
function zodLocales(metafile: Metafile): string[] {
  const inputs = Object.values(metafile.outputs).flatMap((output) => Object.entries(output.inputs));
  return inputs.flatMap(([input, { bytesInOutput }]) => {
    const locale = /node_modules\/zod\/v4\/locales\/(\w+)\.js$/.exec(input)?.[1];
    return locale !== undefined && locale !== 'index' && bytesInOutput > 0 ? [locale] : [];
  });
}
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

  it("keeps zod's locales other than English out of a module that imports * as z, and names them for { z }", async () => {
    const steps: string[] = [];
    const star = await bundleTaskModule({ tasks: remoteTasks, outDir: join(work, 'star'), onStep: (line) => steps.push(line) });
    expect(zodLocales(star.metafiles.lambda)).toEqual(['en']);
    expect(zodLocales(star.metafiles.gcf)).toEqual(['en']);
    expect(steps.filter((line) => line.startsWith('note'))).toEqual([]);

    const named = await bundleTaskModule({ tasks: namedZodTasks, outDir: join(work, 'named'), onStep: (line) => steps.push(line) });
    expect(zodLocales(named.metafiles.lambda)).toContain('de');
    const notes = steps.filter((line) => line.startsWith('note'));
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatch(/^note {5}lambda\/index\.mjs carries zod's locales \(\d+\.\d kB\): .*write `import \* as z from 'zod'`/);
    expect(notes[1]).toMatch(/^note {5}gcf\/index\.mjs carries zod's locales/);
  });

  it('leaves the loader of a task module by location (es-module-lexer) out of both entries', async () => {
    const built = await bundleTaskModule({ tasks: remoteTasks, outDir: join(work, 'no-loader') });
    for (const metafile of [built.metafiles.lambda, built.metafiles.gcf]) {
      const inputs = Object.values(metafile.outputs).flatMap((output) => Object.keys(output.inputs));
      expect(inputs.some((input) => input.includes('node_modules/zod/'))).toBe(true);
      expect(inputs.filter((input) => input.includes('es-module-lexer'))).toEqual([]);
    }
  });

  it('a handler built for a bundle refuses a location, naming the fix', () => {
    const flags = globalThis as { __spillwayNamespaceBundle?: boolean };
    flags.__spillwayNamespaceBundle = true;
    try {
      expect(() => createLambdaHandler(new URL('../fixtures/remote-tasks.mjs', import.meta.url))).toThrow(ValidationError);
      expect(() => createLambdaHandler('tasks.mjs')).toThrow(/in a bundle built by `spillway bundle` to be the task module's namespace, got a location/);
    } finally {
      delete flags.__spillwayNamespaceBundle;
    }
  });
});
