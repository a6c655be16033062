// The process-isolated pool as the process tests create it: 2 child processes
// over a task module, destroyed after each test, with a scratch folder
// removed after the file.
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { createOffloader, type LocalOptions, type Offloader } from '../../src/index.js';

/** Registers the hooks; `create` makes a process-isolated offloader over `tasks`, `scratch` is a real temporary folder. */
export function processPool(tasks: URL, prefix: string): { create(local?: LocalOptions): Offloader; scratch: string } {
  const scratch = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  const live: Offloader[] = [];
  afterEach(async () => {
    await Promise.all(live.splice(0).map((offloader) => offloader.destroy()));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  return {
    scratch,
    create(local: LocalOptions = {}): Offloader {
      const offloader = createOffloader({ tasks, local: { isolation: 'process', maxWorkers: 2, ...local } });
      live.push(offloader);
      return offloader;
    },
  };
}
