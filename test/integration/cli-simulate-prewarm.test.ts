// `spillway simulate --prewarm` through the built bin (dist/cli/index.js): every row reports the warm-ups sent and their cost, in the total.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spillway } from '../support/cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'spillway-simulate-prewarm-'));
const tracePath = join(scratch, 'trace.jsonl');
// Three episodes a minute apart: a 2 s ramp a little above 2 workers' 20 tasks/s, then 1 s at 100 tasks/s (see test/unit/simulate-prewarm.test.ts).
const lines: string[] = [];
for (let episode = 0; episode < 3; episode++) {
  for (let index = 0; index < 50; index++) lines.push(JSON.stringify({ at: episode * 60_000 + index * 40, task: 'resize', durationMs: 100 }));
  for (let index = 0; index < 100; index++) lines.push(JSON.stringify({ at: episode * 60_000 + 2_000 + index * 10, task: 'resize', durationMs: 100 }));
}
writeFileSync(tracePath, `${lines.join('\n')}\n`);

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

type Row = { p99Ms: number; costUsd: number; prewarm?: { sent: number; coldStarts: number; costUsd: number } };

describe('spillway simulate --prewarm', () => {
  const base = ['simulate', '--trace', tracePath, '--local-workers', '2', '--remote', 'lambda:memory=1769,network=20-40,cold=800-1000,warm=20000'];
  const sweep = ['--sweep', 'maxWaitMs=100..100'];

  it('reports the policy and, per row, the warm-ups sent and their cost (in the total); the table has their columns', async () => {
    const plain = JSON.parse((await spillway(...base, ...sweep, '--json')).stdout) as { rows: Row[] };
    const { code, stdout } = await spillway(...base, ...sweep, '--prewarm', 'maxEnvironments=20,onQueueGrowth=2', '--json');
    expect(code).toBe(0);
    const warmed = JSON.parse(stdout) as { prewarm: unknown; rows: Row[] };
    expect(warmed.prewarm).toEqual({ maxEnvironments: 20, onQueueGrowth: 2 });
    expect(plain.rows[0].prewarm).toBeUndefined();
    const [row] = warmed.rows;
    expect(row.prewarm?.sent).toBeGreaterThan(0);
    expect(row.prewarm?.costUsd).toBeGreaterThan(0);
    expect(row.costUsd).toBeGreaterThan(row.prewarm?.costUsd ?? 0);
    expect(row.p99Ms).toBeLessThan(plain.rows[0].p99Ms);
    const table = await spillway(...base, ...sweep, '--prewarm', 'maxEnvironments=20,onQueueGrowth=2');
    expect(table.stdout).toMatch(/warm-ups\s+warm-up USD/);
  });

  it.each(['maxEnvironments=0,onQueueGrowth=2', 'maxEnvironments=4', 'lots'])('exits 2 on --prewarm %j, naming the flag and its form', async (value) => {
    const { code, stdout, stderr } = await spillway(...base, ...sweep, '--prewarm', value);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('Expected `--prewarm` to be maxEnvironments=N,onQueueGrowth=M');
  });
});
