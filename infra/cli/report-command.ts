/**
 * `spillway report <timeline.json>`: an offloader's timeline
 * (`JSON.stringify(offloader.timeline())`) as one self-contained HTML page,
 * or as Chrome trace-event JSON for Perfetto (infra/report/).
 */
import type { Command } from 'commander';
import { progress, result, resultJson } from './output.js';

interface ReportCommandOptions {
  out: string;
  format: 'html' | 'trace';
  title?: string;
  json?: boolean;
}

/** Registers `spillway report` on `program`. */
export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description(
      'Draw a timeline from offloader.timeline() as one HTML page (lanes per worker and backend, queue, spills, cost, utilization) or as Chrome trace JSON',
    )
    .argument('<timeline>', 'JSON file: JSON.stringify(offloader.timeline())')
    .requiredOption('--out <file>', 'the file to write (report.html, or trace.json with --format trace)')
    .option('--format <format>', 'html (self-contained page, no network) or trace (Chrome trace-event JSON; open it in https://ui.perfetto.dev)', 'html')
    .option('--title <text>', 'heading of the HTML page')
    .option('--json', 'print what was written as JSON')
    .action(async (file: string, options: ReportCommandOptions) => {
      const { readTimeline, writeReport } = await import('../report/write-report.js');
      const timeline = await readTimeline(file);
      progress(`report   ${timeline.attempts.length} attempts from ${file}`);
      const written = await writeReport(timeline, {
        out: options.out,
        format: options.format,
        ...(options.title === undefined ? {} : { title: options.title }),
      });
      if (options.json) resultJson(written);
      else result(`wrote ${written.out} (${written.format}, ${written.attempts} attempts in ${written.lanes.length} lanes, ${written.bytes} bytes)`);
    });
}
