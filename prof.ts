import { createOffloader } from './src/index.js';
import { echo } from './test/fixtures/tasks.js';

const off = createOffloader({ tasks: new URL('./test/fixtures/tasks.ts', import.meta.url), local: { maxWorkers: 2 } });
await off.map(
  echo,
  Array.from({ length: 20000 }, (_, i) => i),
);
for (let k = 0; k < 3; k++) {
  const t = performance.now();
  await off.map(
    echo,
    Array.from({ length: 100000 }, (_, i) => i),
  );
  console.log('map', Math.round(100000 / ((performance.now() - t) / 1000)), '/s');
}
await off.close();
