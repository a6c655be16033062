// The timeline report from a real mixed run: a local pool of two workers, the
// Lambda emulator (serverless-offline) and the Functions Framework serving the
// bundle (spillway/dev), and a remote that always answers 503 so that retries,
// failovers and a breaker change show up. A burst of `auto` tasks spills past
// `maxQueueDepth`. The HTML report is opened in headless Chromium (Debian's
// `chromium` package, driven by playwright-core) with every non-file request
// refused: no console errors, a lane for every worker and backend, one bar per
// attempt, and a screenshot in the test's temp folder. The Chrome trace comes
// from the CLI (`spillway report --format trace`).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambda } from '../../adapters/aws-lambda/index.js';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { type DevSession, startDev, writeReport } from '../../infra/dev-entry.js';
import { createOffloader, type Timeline } from '../../src/index.js';
import { echo, sleep } from '../fixtures/remote-tasks.mjs';
import { downRemote } from '../support/down-remote.js';

const run = promisify(execFile);
const tasksUrl = new URL('../fixtures/remote-tasks.mjs', import.meta.url);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const down = downRemote();

let dev: DevSession;
let dir: string;
let timeline: Timeline;
let dispatches = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spillway-report-'));
  dev = await startDev({ tasks: tasksUrl, lambda: true });
  const client = new LambdaClient(dev.lambda?.clientConfig ?? {});
  const offloader = createOffloader({
    tasks: tasksUrl,
    local: { maxWorkers: 2 },
    remotes: [
      lambda({ functionName: dev.lambda?.functionName ?? '', region: dev.lambda?.region, client, maxConcurrency: 4 }),
      cloudFunctions({ url: dev.gcfUrl, auth: 'none', maxConcurrency: 4 }),
      down,
    ],
    // The emulators are not the cloud their adapters' latency priors describe: the threshold alone decides.
    burst: { maxQueueDepth: 2, latencyAware: false },
    cost: { prefer: ['lambda', 'gcf'] },
    breaker: { volumeThreshold: 2, errorThresholdPercentage: 50 },
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 },
  });
  offloader.on('dispatch', () => dispatches++);
  try {
    await offloader.map(
      sleep,
      Array.from({ length: 40 }, () => 40),
    );
    // Pinned to the failing remote: each fails over to lambda (a retry on another backend).
    await Promise.all(Array.from({ length: 3 }, (_, index) => offloader.run(echo, index, { placement: 'down' }).catch(() => undefined)));
    await Promise.all([offloader.run(echo, 'l', { placement: 'lambda' }), offloader.run(echo, 'g', { placement: 'gcf' })]);
    timeline = offloader.timeline();
  } finally {
    await offloader.close();
    client.destroy();
  }
  writeFileSync(join(dir, 'timeline.json'), JSON.stringify(timeline));
}, 120_000);

afterAll(async () => {
  await dev?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function expectedLanes(): string[] {
  const workers = [...new Set(timeline.attempts.flatMap((attempt) => (attempt.workerId === undefined ? [] : [attempt.workerId])))];
  return [...workers.map((id) => `local worker ${id}`), 'lambda', 'gcf', 'down'];
}

describe('the timeline of a mixed run', () => {
  it('holds every attempt, on two local workers and all three remotes, with spills and failovers', () => {
    expect(timeline.attempts.length).toBe(dispatches);
    const workers = new Set(timeline.attempts.filter((attempt) => attempt.backend === 'local').map((attempt) => attempt.workerId));
    expect(workers.size).toBe(2);
    expect([...workers].every((id) => typeof id === 'number')).toBe(true);
    expect(new Set(timeline.attempts.map((attempt) => attempt.backend))).toEqual(new Set(['local', 'lambda', 'gcf', 'down']));
    expect(timeline.spills.length).toBeGreaterThan(0);
    expect(timeline.spills[0].reason).toMatch(/^queue depth \d+ > maxQueueDepth 2$/);
    expect(timeline.retries.some((retry) => retry.backend === 'down' && retry.nextBackend !== 'down')).toBe(true);
    expect(timeline.attempts.filter((attempt) => attempt.backend === 'down').every((attempt) => attempt.outcome === 'ERR_BACKEND_HTTP_503')).toBe(true);
    expect(timeline.queue.some((sample) => sample.queued > 2)).toBe(true);
  });
});

describe('the HTML report in headless Chromium', () => {
  it('draws a lane per worker and backend and one bar per attempt, with no console error and no network', async () => {
    const out = join(dir, 'report.html');
    const written = await writeReport(timeline, { out });
    expect(written.attempts).toBe(timeline.attempts.length);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (!url.startsWith('file:')) requests.push(url);
        return url.startsWith('file:') ? route.continue() : route.abort();
      });
      await page.goto(pathToFileURL(out).href);
      const drawn = await page.waitForFunction(() => (globalThis as { spillwayReport?: { lanes: string[]; bars: number } }).spillwayReport);
      const { lanes, bars } = (await drawn.jsonValue()) as { lanes: string[]; bars: number };
      expect([...lanes].sort()).toEqual(expectedLanes().sort());
      expect(lanes.slice(0, 2).every((lane) => lane.startsWith('local worker '))).toBe(true);
      expect(bars).toBe(timeline.attempts.length);
      const screenshot = join(dir, 'report.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(statSync(screenshot).size).toBeGreaterThan(10_000);
      expect(problems).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});

describe('spillway report --format trace', () => {
  it('writes Chrome trace-event JSON with one slice per attempt and a named thread per lane', async () => {
    const out = join(dir, 'trace.json');
    const { stdout } = await run(process.execPath, ['dist/cli/index.js', 'report', join(dir, 'timeline.json'), '--out', out, '--format', 'trace', '--json']);
    const written = JSON.parse(stdout) as { attempts: number; lanes: string[] };
    expect(written.attempts).toBe(timeline.attempts.length);
    const { readFile } = await import('node:fs/promises');
    const trace = JSON.parse(await readFile(out, 'utf8')) as { traceEvents: { ph: string; name: string; args?: { name?: string } }[] };
    expect(trace.traceEvents.filter((event) => event.ph === 'X')).toHaveLength(timeline.attempts.length);
    const threads = trace.traceEvents.filter((event) => event.name === 'thread_name').map((event) => event.args?.name);
    for (const lane of expectedLanes()) expect(threads).toContain(lane);
  });

  it('exits 2 naming the file when it is not a timeline', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ version: 2 }));
    const failed = await run(process.execPath, ['dist/cli/index.js', 'report', bad, '--out', join(dir, 'x.html')]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toContain(`Expected "${bad}" to be what offloader.timeline() returns`);
  });
});
