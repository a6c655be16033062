/**
 * Re-export of `src/contract/runtime.ts` for modules that still import the
 * runtime from its former path; the lead removes it when the re-layout merges.
 */
export * from './contract/runtime.js';
