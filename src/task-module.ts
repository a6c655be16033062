/**
 * Re-export of `src/contract/task-module.ts` for modules that still import
 * it from its former path; the lead removes it when the re-layout merges.
 */
export * from './contract/task-module.js';
