import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'task/index': 'src/task-entry.ts',
    'local-worker': 'src/backends/local/worker.ts',
    'local-process': 'src/backends/local/process-host.ts',
    'cli/index': 'infra/cli/index.ts',
    'dev/index': 'infra/dev-entry.ts',
    'aws-lambda/index': 'adapters/aws-lambda/index.ts',
    'aws-lambda/handler': 'adapters/aws-lambda/handler.ts',
    'gcp-functions/index': 'adapters/gcp-functions/index.ts',
    'gcp-functions/handler': 'adapters/gcp-functions/handler.ts',
    'contract/index': 'src/contract/index.ts',
  },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: {
    entry: {
      index: 'src/index.ts',
      'task/index': 'src/task-entry.ts',
      'aws-lambda/index': 'adapters/aws-lambda/index.ts',
      'aws-lambda/handler': 'adapters/aws-lambda/handler.ts',
      'gcp-functions/index': 'adapters/gcp-functions/index.ts',
      'gcp-functions/handler': 'adapters/gcp-functions/handler.ts',
      'contract/index': 'src/contract/index.ts',
      'dev/index': 'infra/dev-entry.ts',
    },
  },
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
});
