// `spillway simulate` through the built bin (dist/cli/index.js), and `recordTrace` from spillway/dev on a real local offloader.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recordTrace } from '../../infra/dev-entry.js';
import { double } from '../fixtures/tasks.js';
import { spillway } from '../support/cli.js';
import { offloaders } from '../support/helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'spillway-simulate-'));
const tracePath = join(scratch, 'trace.jsonl');
const lines = Array.from({ length: 400 }, (_, index) => JSON.stringify({ at: index * 2, task: 'resize', durationMs: 30 }));
writeFileSync(tracePath, `${lines.join('\n')}\n`);
const create = offloaders();

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('spillway simulate', () => {
  it('prints one JSON document with a row per setting, a frontier and a recommendation meeting the target', async () => {
    const args = ['simulate', '--trace', tracePath, '--local-workers', '2', '--remote', 'lambda:memory=1769', '--remote', 'gcf'];
    const { code, stdout, stderr } = await spillway(...args, '--sweep', 'maxWaitMs=0..1000', '--steps', '5', '--target-p99', '5000', '--json');
    expect(code).toBe(0);
    expect(stderr).toMatch(/settings per minute/);
    const report = JSON.parse(stdout) as { rows: { value: number; p99Ms: number; frontier: boolean }[]; recommended?: number };
    expect(report.rows.map((row) => row.value)).toEqual([0, 250, 500, 750, 1000]);
    expect(report.rows.some((row) => row.frontier)).toBe(true);
    const chosen = report.rows.find((row) => row.value === report.recommended);
    expect(chosen?.p99Ms).toBeLessThanOrEqual(5000);
  });

  it('reports the local-only and first-remote-only baselines, and a burst leaves the caller dispatchMs apart', async () => {
    const args = ['simulate', '--trace', tracePath, '--local-workers', '2', '--remote', 'lambda:memory=1769', '--sweep', 'maxWaitMs=0..0', '--json'];
    type Baselines = {
      baselines: { local: { tasksPerBackend: Record<string, number>; p99Ms: number }; remote: { tasksPerBackend: Record<string, number>; p99Ms: number } };
    };
    const plain = JSON.parse((await spillway(...args)).stdout) as Baselines;
    expect(plain.baselines.local.tasksPerBackend.lambda).toBe(0);
    expect(plain.baselines.remote.tasksPerBackend.local).toBe(0);
    const slowCaller = JSON.parse((await spillway(...args, '--dispatch-ms', '50')).stdout) as Baselines;
    expect(slowCaller.baselines.remote.p99Ms).toBeGreaterThan(plain.baselines.remote.p99Ms);
    expect(slowCaller.baselines.local).toEqual(plain.baselines.local);
  });

  it.each([
    [['--sweep', 'maxWaitMs=5..1']],
    [['--sweep', 'minWait=1..5']],
    [['--sweep', 'maxWaitMs=1..5', '--remote', 'azure']],
    [['--sweep', 'maxWaitMs=1..5', '--remote', 'lambda:memory=lots']],
    [['--sweep', 'maxWaitMs=1..5', '--target-p99', '5', '--max-cost', '1']],
    [['--sweep', 'maxWaitMs=1..5', '--steps', '0']],
  ])('exits 2 on a usage error: %j', async (args) => {
    const { code, stdout } = await spillway('simulate', '--trace', tracePath, ...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
  });

  it('exits 2 on a malformed trace line', async () => {
    const bad = join(scratch, 'bad.jsonl');
    writeFileSync(bad, '{"at":1,"task":"a"}\n');
    const { code, stderr } = await spillway('simulate', '--trace', bad, '--sweep', 'maxWaitMs=1..5');
    expect(code).toBe(2);
    expect(stderr).toMatch(/trace line 1/);
  });
});

describe('recordTrace', () => {
  it('writes one JSONL line per task with its arrival and run time, in the format simulate reads', async () => {
    const offloader = create({ maxWorkers: 1 });
    const recorder = recordTrace(offloader);
    await offloader.map(double, [1, 2, 3], { chunkSize: 1 });
    const records = recorder
      .stop()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { at: number; task: string; durationMs: number });
    expect(records).toHaveLength(3);
    for (const record of records) {
      expect(record.task).toBe('double');
      expect(record.at).toBeGreaterThanOrEqual(0);
      expect(record.durationMs).toBeGreaterThanOrEqual(0);
    }
  });
});
