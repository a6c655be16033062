// The conventions every `spillway` command keeps, checked on the built CLI
// (dist/cli/index.js) in child processes: results on stdout, progress and
// errors on stderr; `--json` prints one parseable document; exit 0 on
// success, 2 on a usage error, 1 on a failure; `--version` prints the
// package version; the AWS SDK's Node.js version warning at most once.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/emulators/free-port.js';

const CLI = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));
const TASKS = fileURLToPath(new URL('../fixtures/remote-tasks.mjs', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const work = mkdtempSync(join(tmpdir(), 'spillway-cli-conventions-'));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function spillway(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: work, env: { ...process.env, NODE_OPTIONS: '' } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

const count = (text: string, word: string): number => text.split(word).length - 1;

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('spillway --version and --help', () => {
  it('--version and -V print the package version on stdout and exit 0', async () => {
    for (const flag of ['--version', '-V']) expect(await spillway(flag)).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('--help prints on stdout and exits 0', async () => {
    const run = await spillway('--help');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('Usage: spillway');
  });
});

describe('results on stdout, progress on stderr, --json', () => {
  it('inspect: the table or the JSON on stdout, nothing on stderr', async () => {
    const table = await spillway('inspect', '--tasks', TASKS);
    expect(table).toMatchObject({ code: 0, stderr: '' });
    expect(table.stdout).toMatch(/^module {2}file:.*\nhash {4}[0-9a-f]+\ntasks {3}7\n/);
    const json = await spillway('inspect', '--tasks', TASKS, '--json');
    expect(json).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(json.stdout).tasks).toHaveLength(7);
  });

  it('bundle --json: the manifest alone on stdout, progress on stderr', async () => {
    const run = await spillway('bundle', '--tasks', TASKS, '--out', join(work, 'bundle'), '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).tasks).toHaveLength(7);
    expect(run.stderr).not.toBe('');
    expect(run.stderr).not.toContain('spillway:');
  });

  it('iam-policy: JSON on stdout, with or without --json', async () => {
    const args = ['iam-policy', '--region', 'eu-west-1', '--account', '123456789012', '--function', 'tasks'];
    const plain = await spillway(...args);
    const json = await spillway(...args, '--json');
    expect(plain).toMatchObject({ code: 0, stderr: '' });
    expect(json).toEqual(plain);
    expect(Object.keys(JSON.parse(json.stdout))).toContain('callerPolicy');
  });

  it('deploy gcf --print-gcloud --json: { command } on stdout', async () => {
    const manifest = join(work, 'bundle', 'manifest.json');
    const run = await spillway(
      'deploy',
      'gcf',
      '--function',
      'tasks',
      '--project',
      'my-project',
      '--region',
      'europe-west1',
      '--manifest',
      manifest,
      '--print-gcloud',
      '--json',
    );
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout).command).toMatch(/^gcloud functions deploy tasks /);
  });

  it('a failing deploy or teardown exits 1 with nothing on stdout and the AWS SDK warning at most once', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const manifest = join(work, 'bundle', 'manifest.json');
    const runs = [
      await spillway('deploy', 'lambda', '--function', 'tasks', '--manifest', manifest, '--region', 'us-east-1', '--endpoint', endpoint, '--json'),
      await spillway('teardown', 'lambda', '--function', 'tasks', '--region', 'us-east-1', '--endpoint', endpoint, '--json'),
    ];
    for (const run of runs) {
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(count(run.stderr, '\nspillway: ') + (run.stderr.startsWith('spillway: ') ? 1 : 0)).toBe(1);
      expect(count(run.stderr, 'NodeVersionSupportWarning')).toBeLessThanOrEqual(1);
    }
  });

  it('a deploy whose bundle is missing fails before the AWS SDK loads: one line, no SDK warning', async () => {
    const run = await spillway('deploy', 'lambda', '--function', 'tasks', '--manifest', join(work, 'absent.json'));
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^spillway: The manifest `--manifest` .*absent\.json does not exist[^\n]*\n$/);
  });
});

describe('exit codes: 2 for usage errors, 1 for failures', () => {
  it.each([
    ['an unknown option', ['inspect', '--tasks', TASKS, '--bogus'], "error: unknown option '--bogus'"],
    ['an unknown command', ['nope'], "error: unknown command 'nope'"],
    ['a missing required option', ['iam-policy', '--region', 'eu-west-1'], "error: required option '--account <id>' not specified"],
    [
      'a bad option argument',
      ['deploy', 'gcf', '--function', 'tasks', '--project', 'p', '--region', 'r', '--memory', 'lots'],
      "option '--memory <mb>' argument 'lots' is invalid",
    ],
    ['no command', [], 'Usage: spillway'],
    ['a command group without its subcommand', ['teardown'], 'Usage: spillway teardown'],
    ['an invalid option value (ValidationError)', ['dev', '--tasks', ''], 'spillway: Expected `tasks`'],
    ['an invalid option value (ERR_DEPLOY_OPTION)', ['teardown', 'lambda', '--function', 'bad name'], 'spillway: Expected `--function`'],
  ])('%s exits 2 with the reason on stderr', async (_what, args, reason) => {
    const run = await spillway(...args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(reason);
  });

  it('a task module that does not exist is a bad --tasks: exit 2, for inspect and bundle alike', async () => {
    for (const command of ['inspect', 'bundle']) {
      const run = await spillway(command, '--tasks', join(work, 'absent.mjs'));
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^spillway: .*absent\.mjs/);
    }
  });
});
