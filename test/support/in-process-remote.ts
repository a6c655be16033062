/** A custom remote that runs real envelopes through the shared runtime in this process, as a function would (JSON in, JSON out). */
import { createRuntime, createTaskRegistry, hashTaskModule } from '../../src/contract/index.js';
import type { Backend } from '../../src/index.js';

/**
 * A remote named `name` over the tasks `module` exports (loaded from
 * `tasksUrl`, whose hash its envelopes carry); tasks read `name` as
 * `context.backend`. `facts` adds backend facts (a `region`, an
 * `invokedFunction`, ...); it bills nothing unless they give a price.
 */
export function inProcessRemote(name: string, tasksUrl: URL, module: Record<string, unknown>, facts: Partial<Backend> = {}): Backend {
  const runtime = createRuntime(createTaskRegistry(module), { bundleHash: hashTaskModule(tasksUrl), backend: name });
  return {
    name,
    kind: 'custom',
    maxConcurrency: 8,
    ...facts,
    invoke: async (envelope) => JSON.parse(JSON.stringify(await runtime.execute(JSON.parse(JSON.stringify(envelope))))),
    close: async () => {},
    destroy: async () => {},
  };
}
