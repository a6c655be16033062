/**
 * The Functions Framework emulator for tests: the one implementation in
 * infra/emulators (public as `spillway/dev`), plus the test entry module
 * test/fixtures/gcf-entry.mjs, which serves the task module named by
 * SPILLWAY_TASKS_URL (default test/fixtures/gcf-tasks.mjs).
 */
import { fileURLToPath } from 'node:url';

export { freePort } from '../../infra/emulators/free-port.js';
export {
  type FunctionsFrameworkServer,
  startFunctionsFramework,
} from '../../infra/emulators/functions-framework.js';

/** Path of test/fixtures/gcf-entry.mjs: pass it as `source`, and `env: { SPILLWAY_TASKS_URL }` to choose the task module. */
export const GCF_TEST_ENTRY = fileURLToPath(new URL('../fixtures/gcf-entry.mjs', import.meta.url));
