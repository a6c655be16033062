// The README's examples run as written: every code block marked
// `<!-- readme-test: <file> -->` is written to a temporary folder inside the
// repository (so `spillway` resolves to the built dist/ through the package's
// own name, and zod and tsx from its node_modules), and each file that has a
// `<!-- readme-output: <file> -->` block is run with tsx; its output must be
// that block. dev.ts starts the real emulators on 127.0.0.1. `npm test`
// builds dist/ before running the suites.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The blocks that follow a `<!-- readme-<kind>: <file> -->` comment, by file name. */
function blocks(kind: 'test' | 'output'): Map<string, string> {
  const found = new Map<string, string>();
  const pattern = new RegExp(`<!-- readme-${kind}: (\\S+) -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``, 'g');
  for (const [, file, body] of readme.matchAll(pattern)) found.set(file, body);
  return found;
}

const files = blocks('test');
const outputs = blocks('output');
// .spillway/ is ignored by git, biome and tsc.
mkdirSync(join(root, '.spillway'), { recursive: true });
const work = mkdtempSync(join(root, '.spillway', 'readme-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
for (const [file, body] of files) writeFileSync(join(work, file), `${body}\n`);

describe('README examples', () => {
  it('marks the task module, the example and the emulator script', () => {
    expect([...files.keys()].sort()).toEqual(['dev.ts', 'main.ts', 'tasks.ts']);
    expect([...outputs.keys()].sort()).toEqual(['dev.ts', 'main.ts']);
  });

  it.each([...outputs])('%s prints what the README shows', async (file, expected) => {
    const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
    const { stdout } = await promisify(execFile)(process.execPath, [tsx, file], { cwd: work, timeout: 120_000 });
    expect(stdout.trim()).toBe(expected.trim());
  });
});
