// What a worker and a function load: the built `spillway/task` entry and the
// two handler entries, followed through dist/'s shared chunks by esbuild's
// metafile, import no worker pool, breaker, retry library or cloud SDK, and
// the main entry still offers the same task classes. `npm test` builds dist/
// before running the suites.
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const HEAVY = ['piscina', 'opossum', 'p-retry', '@aws-sdk/client-lambda', 'google-auth-library', 'esbuild', 'commander'];

/** The packages (bare specifiers, without subpaths) that `entry` and the dist/ chunks it reaches import. */
async function packagesImportedBy(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`../../dist/${entry}`, import.meta.url))],
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const names = new Set<string>();
  for (const input of Object.values(result.metafile.inputs)) {
    for (const imported of input.imports) {
      if (!imported.external || imported.path.startsWith('node:')) continue;
      const parts = imported.path.split('/');
      names.add(imported.path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
    }
  }
  return [...names].sort();
}

describe('lean entries', () => {
  it.each([
    ['task/index.js', ['zod']],
    // @opentelemetry/api: the handlers restore the caller's trace context (no-op without an SDK).
    ['aws-lambda/handler.js', ['@opentelemetry/api', 'devalue', 'es-module-lexer', 'zod']],
    ['gcp-functions/handler.js', ['@google-cloud/functions-framework', '@opentelemetry/api', 'devalue', 'es-module-lexer', 'zod']],
  ])('dist/%s imports only %j', async (entry, expected) => {
    const imported = await packagesImportedBy(entry);
    expect(imported.filter((name) => HEAVY.includes(name))).toEqual([]);
    // Node's built-ins (which tsup may emit without `node:`) are not packages.
    expect(imported.filter((name) => !builtinModules.includes(name))).toEqual(expected);
  });

  it('spillway/task and spillway share one copy of offloadable and the errors', async () => {
    const task = await import('spillway/task');
    const main = await import('spillway');
    expect(task.offloadable).toBe(main.offloadable);
    expect(task.ValidationError).toBe(main.ValidationError);
    const double = task.offloadable('double', (n: number) => n * 2);
    expect(main.isOffloadable(double)).toBe(true);
  });
});
