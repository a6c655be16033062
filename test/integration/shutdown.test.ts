// Graceful shutdown (issue 13, part 4): close({ timeoutMs }) drains, then
// destroys past the deadline; installShutdownHandlers drains a service on
// SIGTERM and exits.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AbortError, CapacityError, installShutdownHandlers, ValidationError } from '../../src/index.js';
import { sleep, stubborn } from '../fixtures/tasks.js';
import { offloaders, rejectionOf } from '../support/helpers.js';

const create = offloaders();
const scratch = mkdtempSync(join(tmpdir(), 'spillway-shutdown-'));
const child = fileURLToPath(new URL('../fixtures/shutdown-child.ts', import.meta.url));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs the shutdown child, sends it SIGTERM once its task started, and resolves with its output and exit code. */
function serviceTerminated(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const service = spawn(process.execPath, ['--import', 'tsx', child, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    service.stdout.setEncoding('utf8').on('data', (text: string) => {
      output += text;
      if (text.includes('started')) service.kill('SIGTERM');
    });
    service.on('error', reject);
    service.on('exit', (code) => resolve({ code, output }));
  });
}

describe('close({ timeoutMs })', () => {
  it('drains tasks that finish in time', async () => {
    const offloader = create({ maxWorkers: 1 });
    const pending = offloader.run(sleep, 50);
    await offloader.close({ timeoutMs: 60_000 });
    await expect(pending).resolves.toBe(50);
    expect(await rejectionOf(offloader.run(sleep, 1))).toBeInstanceOf(CapacityError);
  });

  it('past the deadline, destroys: a hung task rejects with an AbortError naming the deadline', async () => {
    const offloader = create({ maxWorkers: 1 });
    const hung = rejectionOf(offloader.run(stubborn, join(scratch, 'hung')));
    const queued = rejectionOf(offloader.run(sleep, 1));
    await offloader.close({ timeoutMs: 100 });
    for (const error of [await hung, await queued]) {
      expect(error).toBeInstanceOf(AbortError);
      expect((error as AbortError).message).toMatch(/close\(\) deadline of 100 ms passed/);
    }
  });

  it('refuses a timeoutMs out of range with a ValidationError', async () => {
    const offloader = create({ maxWorkers: 1 });
    expect(await rejectionOf(offloader.close({ timeoutMs: -1 }))).toBeInstanceOf(ValidationError);
  });
});

describe('installShutdownHandlers', () => {
  it('on SIGTERM, a service drains its running task, then exits with 143', async () => {
    const { code, output } = await serviceTerminated(['sleep', '300', '60000']);
    expect(output).toContain('resolved 300');
    expect(code).toBe(143);
  });

  it('on SIGTERM, a task that outlives the deadline is cancelled and the service exits', async () => {
    const { code, output } = await serviceTerminated(['stubborn', join(scratch, 'service'), '100']);
    expect(output).toMatch(/rejected AbortError: .*deadline of 100 ms/);
    expect(code).toBe(143);
  });

  it('returns a function that removes its handlers, and refuses bad options', () => {
    const offloader = create({ maxWorkers: 1 });
    const before = process.listenerCount('SIGTERM');
    const uninstall = installShutdownHandlers(offloader);
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    uninstall();
    expect(process.listenerCount('SIGTERM')).toBe(before);
    expect(() => installShutdownHandlers(offloader, { signals: ['SIGNOPE' as NodeJS.Signals] })).toThrow(ValidationError);
    expect(() => installShutdownHandlers(offloader, { timeoutMs: 0 })).toThrow(ValidationError);
  });
});
