// `spillway dev` as a user runs it: the built CLI in a child process bundles
// the task module, serves the bundle with the Functions Framework and
// serverless-offline on 127.0.0.1, prints the endpoints as environment
// variables, and stops its emulators on SIGINT. And `startDev` of
// `spillway/dev` (infra/dev-entry.ts), which the command runs: the same
// emulators in-process, a ready LambdaClient config, `stop()`.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { lambda } from '../../adapters/aws-lambda/index.js';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { startDev } from '../../infra/dev-entry.js';
import { portAnswers } from '../../infra/emulators/free-port.js';
import { createOffloader, isOffloadError } from '../../src/index.js';
import { echo } from '../fixtures/remote-tasks.mjs';

const CLI = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));
const tasksUrl = new URL('../fixtures/remote-tasks.mjs', import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'spillway-dev-'));
let child: ChildProcess | undefined;

afterAll(() => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** Resolves with everything printed once `marker` appears (or rejects when the child exits first). */
function outputUntil(process: ChildProcess, marker: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes(marker)) resolve(output);
    };
    process.stdout?.on('data', onData);
    process.stderr?.on('data', onData);
    process.once('exit', (code) => reject(new Error(`spillway dev exited (${code}) before "${marker}":\n${output}`)));
  });
}

describe('spillway dev (the built CLI)', () => {
  it('serves the bundle on both emulators, prints their variables, and stops them on SIGINT', async () => {
    child = spawn(process.execPath, [CLI, 'dev', '--tasks', fileURLToPath(tasksUrl), '--out', join(work, '.spillway')], {
      cwd: work,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = await outputUntil(child, 'Ctrl-C stops');
    const variable = (name: string): string => {
      const match = new RegExp(`export ${name}=(\\S+)`).exec(output);
      if (match?.[1] === undefined) throw new Error(`spillway dev did not print ${name}:\n${output}`);
      return match[1];
    };
    const gcfUrl = variable('SPILLWAY_GCF_URL');
    const lambdaEndpoint = variable('SPILLWAY_LAMBDA_ENDPOINT');
    const functionName = variable('SPILLWAY_LAMBDA_FUNCTION');
    expect(gcfUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(lambdaEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const client = new LambdaClient({
      endpoint: lambdaEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const offloader = createOffloader({
      tasks: tasksUrl,
      local: { maxWorkers: 1 },
      remotes: [cloudFunctions({ url: gcfUrl, auth: 'none' }), lambda({ functionName, client })],
    });
    try {
      await expect(offloader.run(echo, { at: new Date(0) }, { placement: 'gcf' })).resolves.toEqual({ at: new Date(0) });
      await expect(offloader.run(echo, 42n, { placement: 'lambda' })).resolves.toBe(42n);
    } finally {
      await offloader.destroy();
      client.destroy();
    }

    const gcfPort = Number(new URL(gcfUrl).port);
    const lambdaPort = Number(new URL(lambdaEndpoint).port);
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(await portAnswers(gcfPort)).toBe(false);
    expect(await portAnswers(lambdaPort)).toBe(false);
  });
});

describe('spillway dev --json (the built CLI)', () => {
  it('prints one JSON object on stdout once ready, progress on stderr, and exits 0 on SIGTERM', async () => {
    const dev = spawn(process.execPath, [CLI, 'dev', '--tasks', fileURLToPath(tasksUrl), '--out', join(work, '.spillway-json'), '--no-lambda', '--json'], {
      cwd: work,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    dev.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    dev.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    try {
      await outputUntil(dev, 'Ctrl-C stops');
      // stdout and stderr are separate pipes: the JSON line may arrive after the progress line.
      await new Promise<void>((resolve) => {
        const check = (): void => {
          if (stdout.includes('\n')) resolve();
          else dev.stdout?.once('data', () => setImmediate(check));
        };
        check();
      });
      const ready = JSON.parse(stdout) as { gcfUrl: string; bundleHash: string; env: Record<string, string>; lambda?: unknown };
      expect(ready.gcfUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(ready.env.SPILLWAY_GCF_URL).toBe(ready.gcfUrl);
      expect(ready.lambda).toBeUndefined();
      expect(stdout.trim().split('\n')).toHaveLength(1);
      expect(stderr).toContain('start');
    } finally {
      const exited = once(dev, 'exit');
      dev.kill('SIGTERM');
      const [code, signal] = await exited;
      expect({ code, signal }, `spillway dev --json did not exit cleanly; its stderr:\n${stderr}`).toEqual({ code: 0, signal: null });
    }
    expect(stderr).toContain('SIGTERM: stopping the emulators');
  });
});

describe('startDev (spillway/dev)', () => {
  it('serves the bundle on both emulators, hands out a LambdaClient config, and stop() frees the ports and the temporary bundle', async () => {
    const session = await startDev({ tasks: tasksUrl, lambda: true });
    const devLambda = session.lambda;
    let client: LambdaClient | undefined;
    try {
      expect(session.gcfUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(session.taskNames).toContain('echo');
      expect(session.bundleHash).toMatch(/^[0-9a-f]+$/);
      expect(existsSync(session.outDir)).toBe(true);
      if (devLambda === undefined) throw new Error('startDev({ lambda: true }) returned no Lambda emulator');
      expect(devLambda).toMatchObject({
        functionName: 'spillway-dev-tasks',
        region: 'us-east-1',
        clientConfig: { endpoint: devLambda.endpoint, region: 'us-east-1', maxAttempts: 1 },
      });
      expect(session.env).toEqual({
        SPILLWAY_GCF_URL: session.gcfUrl,
        SPILLWAY_LAMBDA_ENDPOINT: devLambda.endpoint,
        SPILLWAY_LAMBDA_FUNCTION: devLambda.functionName,
      });
      client = new LambdaClient(devLambda.clientConfig);
      const offloader = createOffloader({
        tasks: tasksUrl,
        local: { maxWorkers: 1 },
        remotes: [cloudFunctions({ url: session.gcfUrl, auth: 'none' }), lambda({ functionName: devLambda.functionName, client })],
      });
      try {
        await expect(offloader.run(echo, new Map([[1, 'a']]), { placement: 'gcf' })).resolves.toEqual(new Map([[1, 'a']]));
        await expect(offloader.run(echo, 7n, { placement: 'lambda' })).resolves.toBe(7n);
      } finally {
        await offloader.destroy();
      }
    } finally {
      client?.destroy();
      await session.stop();
      await session.stop();
    }
    expect(await portAnswers(Number(new URL(session.gcfUrl).port))).toBe(false);
    expect(await portAnswers(Number(new URL(devLambda.endpoint).port))).toBe(false);
    expect(existsSync(session.outDir)).toBe(false);
  });

  it('refuses an invalid option with a ValidationError naming it', async () => {
    const error = await startDev({ tasks: tasksUrl, lambda: 'yes' as unknown as boolean }).catch((reason: unknown) => reason);
    expect(isOffloadError(error, 'ERR_VALIDATION')).toBe(true);
    expect((error as Error).message).toMatch(/^Expected `lambda`|Invalid `lambda`/);
  });
});
