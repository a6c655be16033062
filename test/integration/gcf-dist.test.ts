// The published subpaths, resolved by Node through package.json `exports`
// (a package may import itself by name), as a user's code would. `npm test`
// builds dist/ first.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('spillway/gcp-functions in the built package', () => {
  it('maps both subpaths to built files, types first', () => {
    for (const subpath of ['./gcp-functions', './gcp-functions/handler'] as const) {
      const entry = packageJson.exports[subpath];
      expect(Object.keys(entry)).toEqual(['types', 'import']);
      expect(existsSync(new URL(entry.types, new URL('../../', import.meta.url)))).toBe(true);
      expect(existsSync(new URL(entry.import, new URL('../../', import.meta.url)))).toBe(true);
    }
  });

  it('imports by package name without loading google-auth-library until an ID token is needed', () => {
    const script = `
      const client = await import('spillway/gcp-functions');
      const handler = await import('spillway/gcp-functions/handler');
      const loaded = Object.keys(await import('node:module').then((m) => m.createRequire(import.meta.url).cache)).some((p) => p.includes('google-auth-library'));
      console.log(JSON.stringify({ cloudFunctions: typeof client.cloudFunctions, register: typeof handler.registerCloudFunction, create: typeof handler.createCloudFunctionHandler, authLoaded: loaded }));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env: { ...process.env, NODE_OPTIONS: '' } }).toString();
    expect(JSON.parse(output)).toEqual({ cloudFunctions: 'function', register: 'function', create: 'function', authLoaded: false });
  });
});
