/** Where the spillway package itself is installed (its root folder and package.json), from this file's location. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The fields of spillway's package.json the infra scripts read. */
export interface SpillwayPackage {
  /** Absolute path of the package folder. */
  root: string;
  version: string;
  /** Version range of `@google-cloud/functions-framework` spillway supports. */
  functionsFrameworkRange: string;
}

/** Finds the nearest folder above this module whose package.json is named `spillway` (the sources, dist/ or node_modules/spillway). */
export function findSpillwayPackage(): SpillwayPackage {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, 'utf8')) as {
        name?: string;
        version?: string;
        peerDependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      if (json.name === 'spillway') {
        const range = json.peerDependencies?.['@google-cloud/functions-framework'] ?? json.devDependencies?.['@google-cloud/functions-framework'] ?? '^5.0.5';
        return { root: dir, version: json.version ?? '0.0.0', functionsFrameworkRange: range };
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the spillway package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}
