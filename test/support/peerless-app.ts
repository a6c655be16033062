// A throwaway app folder whose node_modules holds a copy of the built package
// (package.json + dist/) and symlinks to every package of ours except the
// optional peers named: from inside it, those peers cannot be resolved, as in
// a user's app that never installed them.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OURS = join(ROOT, 'node_modules');

/** Every package folder name under node_modules (`name` or `@scope/name`). */
function packageNames(): string[] {
  const names: string[] = [];
  for (const entry of readdirSync(OURS)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) for (const inner of readdirSync(join(OURS, entry))) names.push(`${entry}/${inner}`);
    else names.push(entry);
  }
  return names;
}

/** An app folder without `missing`; `files` are written into it. */
export function createPeerlessApp(missing: readonly string[], files: Record<string, string> = {}): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'spillway-peerless-'));
  const modules = join(dir, 'node_modules');
  for (const name of packageNames()) {
    if (missing.includes(name) || name === 'spillway') continue;
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(join(OURS, name), join(modules, name));
  }
  const own = join(modules, 'spillway');
  mkdirSync(own, { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(own, 'package.json'));
  cpSync(join(ROOT, 'dist'), join(own, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'peerless-app', type: 'module', private: true }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
