/**
 * `writeReport()` (in `spillway/dev`) and `spillway report`: an offloader's
 * timeline as one self-contained HTML page (ECharts inlined, no network),
 * or as Chrome trace-event JSON that opens in Perfetto.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import * as z from 'zod';
import { MissingPeerError, ValidationError } from '../../src/errors.js';
import type { Timeline } from '../../src/offloader/timeline.js';
import { describeZodError } from '../../src/zod-issues.js';
import { chromeTrace } from './chrome-trace.js';
import { htmlPage } from './html-page.js';
import { reportModel } from './report-model.js';

/** Options of {@link writeReport}. */
export interface ReportOptions {
  /** The file to write (its folder must exist). */
  out: string;
  /**
   * `html`: one self-contained page with the charts; `trace`: Chrome
   * trace-event JSON for https://ui.perfetto.dev or chrome://tracing.
   * @default 'html'
   */
  format?: 'html' | 'trace';
  /** Heading of the HTML page. @default 'spillway run report' */
  title?: string;
}

/** What {@link writeReport} wrote. */
export interface ReportSummary {
  /** Absolute path of the file written. */
  out: string;
  format: 'html' | 'trace';
  /** Bytes written. */
  bytes: number;
  /** Attempts drawn (one bar or trace slice each). */
  attempts: number;
  /** Lane names: `local worker <thread id>` for each local worker, then each remote backend. */
  lanes: string[];
}

const attemptSchema = z.looseObject({
  taskName: z.string(),
  taskId: z.string(),
  attempt: z.number(),
  backend: z.string(),
  workerId: z.number().optional(),
  createdMs: z.number(),
  dispatchedMs: z.number().optional(),
  endMs: z.number(),
  runMs: z.number(),
  outcome: z.string(),
  estimatedUsd: z.number().optional(),
  reason: z.enum(['hedge', 'prewarm']).optional(),
});

const timelineSchema = z.looseObject({
  version: z.literal(1),
  startedAtEpochMs: z.number(),
  takenAtMs: z.number(),
  burst: z.looseObject({ maxQueueDepth: z.number().optional(), maxWaitMs: z.number().optional() }),
  attempts: z.array(attemptSchema),
  droppedAttempts: z.number(),
  queue: z.array(z.looseObject({ atMs: z.number(), queued: z.number(), predictedWaitMs: z.number() })),
  spills: z.array(z.looseObject({ atMs: z.number(), taskName: z.string(), backend: z.string(), reason: z.string() })),
  breakers: z.array(z.looseObject({ atMs: z.number(), backend: z.string(), state: z.enum(['open', 'half-open', 'closed']), reason: z.string() })),
  retries: z.array(
    z.looseObject({
      atMs: z.number(),
      taskName: z.string(),
      taskId: z.string(),
      attempt: z.number(),
      backend: z.string(),
      nextBackend: z.string(),
      code: z.string(),
      reason: z.string(),
    }),
  ),
});

const optionsSchema = z.strictObject({
  out: z.string().min(1),
  format: z.enum(['html', 'trace']).default('html'),
  title: z.string().min(1).default('spillway run report'),
});

/** Checks that `value` is a {@link Timeline}; `what` names it in the error. */
function parseTimeline(value: unknown, what = '`timeline`'): Timeline {
  const parsed = timelineSchema.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError(`Expected ${what} to be what offloader.timeline() returns (version 1): ${describeZodError('', parsed.error)}`);
  }
  return parsed.data as Timeline;
}

/** The minified ECharts build, read from the installed `echarts` package. */
async function echartsSource(): Promise<string> {
  const require = createRequire(import.meta.url);
  let path: string;
  try {
    path = require.resolve('echarts/dist/echarts.min.js');
  } catch (error) {
    const installCommand = 'npm install --save-dev echarts';
    throw new MissingPeerError(
      `The HTML report (spillway report, writeReport) needs echarts, an optional peer dependency of spillway that is not installed: ${installCommand}`,
      {
        peer: 'echarts',
        installCommand,
        cause: error,
      },
    );
  }
  return readFile(path, 'utf8');
}

/**
 * Writes the report of `timeline` (what `offloader.timeline()` returns) to
 * `options.out`: an HTML page with a lane per local worker and per remote
 * (one bar per attempt, coloured by task, outlined by outcome), the local
 * queue and predicted wait with the burst thresholds, spills, retries,
 * failovers and breaker changes, cumulative cost by backend and a per-worker
 * utilization heatmap; or, with `format: 'trace'`, Chrome trace-event JSON.
 * The HTML page inlines ECharts (the optional peer `echarts`) and needs no network.
 *
 * @example
 * await writeReport(offloader.timeline(), { out: 'report.html' });
 * @throws ValidationError when `timeline` or an option is invalid; MissingPeerError when `echarts` is not installed (HTML only).
 */
export async function writeReport(timeline: Timeline, options: ReportOptions): Promise<ReportSummary> {
  const parsedOptions = optionsSchema.safeParse(options);
  if (!parsedOptions.success) throw new ValidationError(`Invalid report options: ${describeZodError('', parsedOptions.error)}`);
  const { out, format, title } = parsedOptions.data;
  const model = reportModel(parseTimeline(timeline));
  const text = format === 'trace' ? JSON.stringify(chromeTrace(model)) : htmlPage(model, await echartsSource(), title);
  const path = resolve(out);
  await writeFile(path, text);
  return { out: path, format, bytes: Buffer.byteLength(text), attempts: model.bars.length, lanes: model.lanes };
}

/** Reads a timeline JSON file (`JSON.stringify(offloader.timeline())`) and checks it. */
export async function readTimeline(file: string): Promise<Timeline> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ValidationError(`Expected <timeline> to be a readable file, got "${file}": ${(error as Error).message}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`Expected "${file}" to hold JSON (JSON.stringify(offloader.timeline())): ${(error as Error).message}`, { cause: error });
  }
  return parseTimeline(value, `"${file}"`);
}
