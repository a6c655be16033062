// Worker entry used only when spillway runs from its TypeScript sources (its
// own tests): Node 20 does not apply loader hooks such as tsx
// to worker threads, so this plain-JS entry loads the TypeScript worker
// through tsx's API. Published builds use the compiled dist/local-worker.js.
import { tsImport } from 'tsx/esm/api';

const worker = await tsImport('./worker.ts', import.meta.url);
export default worker.default;
