// Process-worker entry used only when spillway runs from its TypeScript
// sources (its own tests): it loads the TypeScript host through tsx's API.
// Published builds fork the compiled dist/local-process.js.
import { tsImport } from 'tsx/esm/api';

await tsImport('./process-host.ts', import.meta.url);
