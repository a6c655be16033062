// `spillway simulate --hedge p95` through the built bin (dist/cli/index.js): every row reports what hedging did.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spillway } from '../support/cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'spillway-simulate-hedge-'));
const tracePath = join(scratch, 'trace.jsonl');
// Groups of 3 every 2 s, every 20th group from the 40th larger than any before (see test/unit/simulate-hedge.test.ts).
const lines: string[] = [];
for (let group = 0; group < 200; group++) {
  const size = group >= 40 && group % 20 === 0 ? 3 + (group - 20) / 20 : 3;
  for (let member = 0; member < size; member++) lines.push(JSON.stringify({ at: group * 2_000, task: 'resize', durationMs: 100 }));
}
writeFileSync(tracePath, `${lines.join('\n')}\n`);

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('spillway simulate --hedge', () => {
  const base = ['simulate', '--trace', tracePath, '--local-workers', '1', '--sweep', 'maxQueueDepth=0..0', '--timeout-ms', '5000'];
  const remotes = ['--remote', 'lambda:memory=1769,network=10,cold=1000', '--remote', 'gcf:cpu=1,network=10,cold=0'];

  it('simulates the hedge rule: the setting and, per row, backups sent, won and their cost; a table with their columns', async () => {
    // Whether backups are sent here depends on the scheduler's placement; test/unit/simulate-hedge.test.ts checks the rule itself.
    const plain = JSON.parse((await spillway(...base, ...remotes, '--json')).stdout) as { rows: { hedges?: unknown }[] };
    const { code, stdout } = await spillway(...base, ...remotes, '--hedge', 'p95', '--json');
    expect(code).toBe(0);
    const hedged = JSON.parse(stdout) as { hedge: unknown; rows: { hedges: unknown }[] };
    expect(hedged.hedge).toEqual({ afterPercentile: 95 });
    expect(plain.rows[0].hedges).toBeUndefined();
    expect(hedged.rows[0].hedges).toEqual({ sent: expect.any(Number), won: expect.any(Number), extraUsd: expect.any(Number) });
    const capped = JSON.parse((await spillway(...base, ...remotes, '--hedge', 'p95', '--hedge-max-extra-cost', '0', '--json')).stdout);
    expect(capped.hedge).toEqual({ afterPercentile: 95, maxExtraCost: 0 });
    const table = await spillway(...base, ...remotes, '--hedge', 'p95');
    expect(table.stdout).toMatch(/hedges\s+won/);
  });

  it('exits 2 on a bad --hedge', async () => {
    const { code, stdout } = await spillway(...base, '--hedge', 'p100');
    expect(code).toBe(2);
    expect(stdout).toBe('');
  });
});
