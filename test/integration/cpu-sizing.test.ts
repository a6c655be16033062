// The default `local.maxWorkers` fits the box: `os.availableParallelism()`
// bounded by the cgroup CPU quota. Each test writes a fake cgroup tree
// (`proc/self/cgroup` and `sys/fs/cgroup/...`) in a temporary folder and
// points SPILLWAY_CGROUP_ROOT (the documented test hook) at it; the number
// and its source are read back through createOffloader + stats(), and through
// `spillway inspect` (the built CLI, in a child process).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOffloader, type LocalOptions, type Offloader, type WorkerSizing } from '../../src/index.js';
import { double } from '../fixtures/tasks.js';
import { tasksUrl } from '../support/helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'spillway-cgroup-'));
const cpus = availableParallelism();
let root = '';
let live: Offloader | undefined;

beforeEach(() => {
  root = mkdtempSync(join(scratch, 'root-'));
  process.env.SPILLWAY_CGROUP_ROOT = root;
});

afterEach(async () => {
  delete process.env.SPILLWAY_CGROUP_ROOT;
  await live?.destroy();
  live = undefined;
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes `files` (paths relative to the fake root) into the fake root. */
function tree(files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), `${text}\n`);
  }
}

/** `stats().local.sizing` of an offloader created with `local` (no workers started unless asked). */
function sizing(local: LocalOptions = { minWorkers: 0 }): WorkerSizing {
  live = createOffloader({ tasks: tasksUrl, local });
  return live.stats().local.sizing;
}

/** What a quota of `quota` CPUs gives on this machine, named by `source` when it binds. */
function bounded(quota: number, source: string): WorkerSizing {
  return quota <= cpus ? { maxWorkers: quota, source } : { maxWorkers: cpus, source: 'availableParallelism' };
}

const host: WorkerSizing = { maxWorkers: cpus, source: 'availableParallelism' };

describe('cgroup v2 cpu.max', () => {
  it('`max 100000` (no limit) → availableParallelism()', () => {
    tree({ 'proc/self/cgroup': '0::/', 'sys/fs/cgroup/cpu.max': 'max 100000' });
    expect(sizing()).toEqual(host);
  });

  it('`150000 100000` → 2 (1.5 CPUs rounded up)', () => {
    tree({ 'proc/self/cgroup': '0::/', 'sys/fs/cgroup/cpu.max': '150000 100000' });
    expect(sizing()).toEqual(bounded(2, 'cgroup v2 cpu.max 150000 100000'));
  });

  it('`50000 100000` → 1, and the pool runs tasks on that one worker', async () => {
    tree({ 'proc/self/cgroup': '0::/', 'sys/fs/cgroup/cpu.max': '50000 100000' });
    expect(sizing({})).toEqual({ maxWorkers: 1, source: 'cgroup v2 cpu.max 50000 100000' });
    const offloader = live as Offloader;
    expect(await offloader.map(double, [1, 2, 3, 4])).toEqual([2, 4, 6, 8]);
    expect(offloader.stats().local.workers).toBe(1);
  });

  it("a quota on a parent of the process's cgroup bounds it; the process's own cgroup is read too", () => {
    tree({
      'proc/self/cgroup': '0::/app/web',
      'sys/fs/cgroup/cpu.max': 'max 100000',
      'sys/fs/cgroup/app/cpu.max': '100000 100000',
      'sys/fs/cgroup/app/web/cpu.max': 'max 100000',
    });
    expect(sizing()).toEqual({ maxWorkers: 1, source: 'cgroup v2 cpu.max 100000 100000' });
  });

  it("the host's path, absent inside the container, falls back to the cgroup mounted at the root", () => {
    tree({ 'proc/self/cgroup': '0::/docker/0123abcd', 'sys/fs/cgroup/cpu.max': '100000 100000' });
    expect(sizing()).toEqual({ maxWorkers: 1, source: 'cgroup v2 cpu.max 100000 100000' });
  });
});

describe('cgroup v1 cpu.cfs_quota_us / cpu.cfs_period_us', () => {
  it('-1 (no limit) → availableParallelism()', () => {
    tree({
      'proc/self/cgroup': '4:cpu,cpuacct:/\n3:memory:/',
      'sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '-1',
      'sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000',
    });
    expect(sizing()).toEqual(host);
  });

  it('150000 over 100000 → 2', () => {
    tree({
      'proc/self/cgroup': '4:cpu,cpuacct:/docker/abc\n3:memory:/docker/abc',
      'sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us': '150000',
      'sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us': '100000',
    });
    expect(sizing()).toEqual(bounded(2, 'cgroup v1 cpu.cfs_quota_us 150000 cpu.cfs_period_us 100000'));
  });

  it('a `cpu` controller mounted on its own, with a hybrid v2 line beside it', () => {
    tree({
      'proc/self/cgroup': '2:cpuacct:/\n1:cpu:/\n0::/',
      'sys/fs/cgroup/cpu/cpu.cfs_quota_us': '50000',
      'sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000',
    });
    expect(sizing()).toEqual({ maxWorkers: 1, source: 'cgroup v1 cpu.cfs_quota_us 50000 cpu.cfs_period_us 100000' });
  });
});

describe('no cgroup, or one that says nothing usable', () => {
  it('no /proc/self/cgroup → availableParallelism()', () => {
    expect(sizing()).toEqual(host);
  });

  it('a cgroup without CPU files, or with malformed ones → availableParallelism()', () => {
    tree({ 'proc/self/cgroup': '0::/a\n1:cpu:/', 'sys/fs/cgroup/a/cpu.max': 'garbage', 'sys/fs/cgroup/cpu/cpu.cfs_quota_us': '0' });
    expect(sizing()).toEqual(host);
  });

  it('an explicit local.maxWorkers wins over the cgroup and says so', () => {
    tree({ 'proc/self/cgroup': '0::/', 'sys/fs/cgroup/cpu.max': '50000 100000' });
    expect(sizing({ maxWorkers: 3, minWorkers: 0 })).toEqual({ maxWorkers: 3, source: 'option' });
  });
});

describe('spillway inspect', () => {
  const cli = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));
  const tasks = fileURLToPath(new URL('../fixtures/remote-tasks.mjs', import.meta.url));
  const inspect = (...args: string[]) =>
    new Promise<string>((resolve, reject) => {
      const env = { ...process.env, NODE_OPTIONS: '', SPILLWAY_CGROUP_ROOT: root };
      execFile(process.execPath, [cli, 'inspect', '--tasks', tasks, ...args], { env }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    });

  it('shows the default worker count and its source, as JSON and in the table', async () => {
    tree({ 'proc/self/cgroup': '0::/', 'sys/fs/cgroup/cpu.max': '50000 100000' });
    expect(JSON.parse(await inspect('--json')).local).toEqual({ maxWorkers: 1, source: 'cgroup v2 cpu.max 50000 100000' });
    expect(await inspect()).toContain('workers 1 (default local.maxWorkers, from cgroup v2 cpu.max 50000 100000)');
  });
});
