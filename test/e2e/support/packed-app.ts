/**
 * A fresh app outside the repository with spillway installed from its packed
 * tarball, as a user installs it: `npm pack` (scripts/pack.mjs, over the
 * dist/ that `npx tsup` built), a temporary folder under os.tmpdir() with its
 * own package.json (`"type": "module"`), then `npm install` of the tarball,
 * zod and the optional peers the app uses, at the versions of this
 * repository's package-lock.json so npm takes them from its cache. The app's
 * sources are copied from test/e2e/app/.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root. */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** What the app installs next to spillway, pinned to this repository's lockfile. */
const APP_PACKAGES = [
  'zod',
  '@aws-sdk/client-lambda',
  'google-auth-library',
  '@google-cloud/functions-framework',
  'esbuild',
  'typescript',
  'tsx',
  '@types/node',
  // The Lambda emulator of spillway/dev (infra/emulators/serverless-offline.ts resolves both from spillway's folder).
  'serverless',
  'serverless-offline',
];

/** A command's outcome. */
interface CommandResult {
  stdout: string;
  stderr: string;
}

/** The installed app. */
export interface PackedApp {
  /** The app folder. */
  dir: string;
  /** Runs `command args` in the app folder with `env` over a clean environment; rejects with its output on a non-zero exit. */
  exec(command: string, args: string[], env?: Record<string, string>): Promise<CommandResult>;
  /** Deletes the app folder. */
  remove(): void;
}

/** The parent's environment without npm's own settings (a parent `npm test` sets npm_config_*) or Node options. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|NODE_OPTIONS$|INIT_CWD$|VITEST|AWS_|GOOGLE_|CLOUDSDK_)/.test(key)) env[key] = value;
  }
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (version === undefined) throw new Error(`${name} is not in package-lock.json; install it in the repository first`);
  return version;
}

async function exec(dir: string, command: string, args: string[], env: Record<string, string> = {}): Promise<CommandResult> {
  try {
    return await run(command, args, { cwd: dir, env: cleanEnv(env), maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
  } catch (error) {
    const failed = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`\`${command} ${args.join(' ')}\` failed in ${dir}: ${failed.message}\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`);
  }
}

/** Packs spillway, creates the app and installs it. Needs dist/ (`npx tsup`), as `npm test` builds it. */
export async function createPackedApp(): Promise<PackedApp> {
  if (!existsSync(join(REPO, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npx tsup --silent` before the e2e test');
  const dir = mkdtempSync(join(tmpdir(), 'spillway-e2e-app-'));
  try {
    await run(process.execPath, [join(REPO, 'scripts', 'pack.mjs'), dir], { cwd: REPO, env: cleanEnv() });
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'spillway-e2e-app', private: true, type: 'module' }, null, 2)}\n`);
    cpSync(fileURLToPath(new URL('../app/', import.meta.url)), dir, { recursive: true });
    const packages = APP_PACKAGES.map((name) => `${name}@${lockedVersion(name)}`);
    await exec(dir, 'npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, 'package.tgz'), ...packages]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, exec: (command, args, env) => exec(dir, command, args, env), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The last line of `stdout` that parses as a JSON object (the app scripts print their report last). */
export function lastJsonLine<T>(stdout: string): T {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((text) => text.startsWith('{'));
  if (line === undefined) throw new Error(`No JSON line in the output:\n${stdout}`);
  return JSON.parse(line) as T;
}
