/**
 * `spillway simulate`: replays a recorded arrival trace (JSONL) through the
 * offloader's scheduler against a local pool and modelled remotes, sweeping a
 * burst threshold (infra/simulate/).
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { parseInteger } from './option-parsers.js';
import { progress, result, resultJson } from './output.js';

/** Parses a number >= 0, e.g. `--budget 0.5`. */
function parseAmount(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0) throw new InvalidArgumentError(`Expected a number >= 0, got "${value}".`);
  return parsed;
}

/** Parses a whole number >= 1. */
function parsePositive(value: string): number {
  const parsed = parseInteger(value);
  if (parsed < 1) throw new InvalidArgumentError(`Expected a whole number >= 1, got "${value}".`);
  return parsed;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Registers `spillway simulate` on `program`. */
export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('Replay an arrival trace through the scheduler against modelled remotes, sweep a burst threshold, and recommend a setting')
    .requiredOption('--trace <file>', 'JSONL trace: one {"at": ms, "task": name, "durationMs": ms} a line (recordTrace in spillway/dev writes it)')
    .requiredOption('--sweep <param=from..to>', 'threshold to sweep: maxWaitMs=50..2000 or maxQueueDepth=0..64')
    .option('--local-workers <n>', 'local pool workers', parsePositive, 4)
    .option(
      '--remote <spec>',
      'a remote: lambda|gcf[:memory=,cpu=,concurrency=,network=MIN-MAX,cold=MIN-MAX,warm=,speed=,usdPerSecond=,name=] (repeatable)',
      collect,
      [],
    )
    .option('--steps <n>', 'settings in the sweep', parsePositive, 20)
    .option('--budget <usd>', 'cost.budgetUsd', parseAmount)
    .option('--target-p99 <ms>', 'recommend the cheapest setting with p99 at most this', parseAmount)
    .option('--max-cost <usd>', 'recommend the fastest setting costing at most this', parseAmount)
    .option('--timeout-ms <ms>', 'remote attempt timeout: its price is reserved against the budget while it runs', parsePositive, 30_000)
    .option('--dispatch-ms <ms>', "the caller's own time to send one remote attempt; sends are serialized, so a burst of N leaves over N x this", parseAmount)
    .option('--seed <n>', 'seed of the network and cold start draws', parseInteger, 1)
    .option('--hedge <pN>', 'hedge stragglers as offloadable({ hedge: { afterPercentile: N } }) does, e.g. p95')
    .option('--hedge-max-extra-cost <usd>', "the hedge's maxExtraCost: most USD all backups may cost", parseAmount)
    .option(
      '--prewarm <maxEnvironments=N,onQueueGrowth=M>',
      'pre-warm the first remote on a spike as burst.prewarm does; each row shows the warm-ups sent and their cost (in the total)',
    )
    .option('--json', 'print JSON instead of a table')
    .action(async (options: import('../simulate/simulate-report.js').SimulateOptions & { json?: boolean }) => {
      const { runSimulate, reportText } = await import('../simulate/simulate-report.js');
      const report = await runSimulate(options, progress);
      if (options.json) resultJson(report);
      else result(reportText(report));
    });
}
