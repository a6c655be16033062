// `spillway bundle` as a user runs it: the built CLI (dist/cli/index.js) in a
// child process. `npm test` builds dist/ first.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE_RUNTIMES } from '../../src/contract/platform.js';
import { hashTaskModule } from '../../src/contract/task-module-load.js';

const CLI = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));
const remoteTasks = fileURLToPath(new URL('../fixtures/remote-tasks.mjs', import.meta.url));
const typescriptTasks = fileURLToPath(new URL('../fixtures/tasks.ts', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'spillway-cli-'));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: work, env: { ...process.env, NODE_OPTIONS: '' } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('spillway bundle (the built CLI)', () => {
  it('writes both bundles, their zips and a manifest whose hash is hashTaskModule(<module>)', async () => {
    const out = join(work, 'out-js');
    const run = await cli('bundle', '--tasks', remoteTasks, '--out', out);
    expect(run.code).toBe(0);
    // Progress on stderr, the one summary line on stdout.
    expect(run.stderr).toContain('lambda.zip');
    expect(run.stdout).toMatch(/^done {5}7 tasks; lambda nodejs\d+\.x .+; gcf nodejs\d+ .+\n$/);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.bundleHash).toBe(hashTaskModule(remoteTasks));
    expect(manifest.tasks).toEqual(['chatty', 'echo', 'failQuota', 'greet', 'returnsFunction', 'sleep', 'sumItems']);
    expect(manifest.targets.lambda).toMatchObject({ runtime: NODE_RUNTIMES.lambda, entry: 'lambda/index.mjs', handler: 'index.handler', zip: 'lambda.zip' });
    expect(manifest.targets.gcf).toMatchObject({ runtime: NODE_RUNTIMES.gcf, entry: 'gcf/index.mjs', handler: 'spillway', zip: 'gcf.zip' });
    for (const target of ['lambda', 'gcf'] as const) {
      const { entry, zip, entryBytes, zipBytes } = manifest.targets[target];
      expect(statSync(join(out, entry)).size).toBe(entryBytes);
      expect(statSync(join(out, zip)).size).toBe(zipBytes);
      // The hash is in the entry as a literal; the platform SDKs stay outside the bundle.
      const source = readFileSync(join(out, entry), 'utf8');
      expect(source).toContain(manifest.bundleHash);
    }
    expect(readFileSync(join(out, 'lambda/index.mjs'), 'utf8')).not.toMatch(/from\s*"\.\.?\//);
    expect(readFileSync(join(out, 'gcf/index.mjs'), 'utf8')).toContain('@google-cloud/functions-framework');
    const gcfPackage = JSON.parse(readFileSync(join(out, 'gcf/package.json'), 'utf8'));
    expect(gcfPackage).toMatchObject({ type: 'module', main: 'index.mjs' });
    expect(gcfPackage.dependencies['@google-cloud/functions-framework']).toMatch(/^\^?\d/);
  });

  it('bundles a TypeScript task module', async () => {
    const out = join(work, 'out-ts');
    const run = await cli('bundle', '--tasks', typescriptTasks, '--out', out, '--json');
    expect(run.code).toBe(0);
    const manifest = JSON.parse(run.stdout);
    expect(manifest.bundleHash).toBe(hashTaskModule(typescriptTasks));
    expect(manifest.tasks).toContain('digest');
    expect(existsSync(join(out, 'lambda.zip'))).toBe(true);
  });

  it('--analyze writes the metafiles and prints each bundle by part on stderr, leaving --json stdout alone', async () => {
    const out = join(work, 'out-analyze');
    const run = await cli('bundle', '--tasks', remoteTasks, '--out', out, '--json', '--analyze');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).tasks).toContain('echo');
    for (const target of ['lambda', 'gcf']) {
      const metafile = JSON.parse(readFileSync(join(out, `${target}.meta.json`), 'utf8'));
      expect(Object.keys(metafile.outputs)).toHaveLength(1);
      expect(run.stderr).toMatch(new RegExp(`${target}/index\\.mjs: [\\d.]+ kB by part\\n +[\\d.]+ kB {2}zod\\n`));
    }
    expect(run.stderr).toMatch(/ +[\d.]+ (kB|B) {2}spillway\n/);
    expect(run.stderr).toContain('node_modules/zod/v4/core/schemas.js');
  });

  it('an unknown task module exits 2 (a bad --tasks) with a one-line error naming --tasks', async () => {
    const run = await cli('bundle', '--tasks', 'no-such-tasks.ts', '--out', join(work, 'out-none'));
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^spillway: Cannot find the task module `--tasks` .*no-such-tasks\.ts/);
    expect(existsSync(join(work, 'out-none', 'manifest.json'))).toBe(false);
  });

  it('a missing --tasks exits non-zero and says so', async () => {
    const run = await cli('bundle');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("required option '--tasks <module>'");
  });

  it('--help describes bundle and dev, and each command has its own --help', async () => {
    const root = await cli('--help');
    expect(root.code).toBe(0);
    expect(root.stdout).toMatch(/bundle \[options\]/);
    expect(root.stdout).toMatch(/dev \[options\]/);
    const bundle = await cli('bundle', '--help');
    expect(bundle.code).toBe(0);
    expect(bundle.stdout).toContain('--tasks <module>');
    expect(bundle.stdout).toContain('--out <dir>');
    const dev = await cli('dev', '--help');
    expect(dev.code).toBe(0);
    expect(dev.stdout).toContain('--no-lambda');
  });
});
