// Runs the tasks on the local worker pool only (default options), and prints one JSON line.
import { createOffloader } from 'spillway';
import { greet, square } from './tasks.js';

const offloader = createOffloader({ tasks: new URL('./tasks.ts', import.meta.url) });
try {
  const greeting = await offloader.run(greet, { name: 'local' });
  const backends = new Set<string>();
  offloader.on('success', ({ backend }) => backends.add(backend));

  // 20,000 calls submitted in one tick, as Promise.all over an array does.
  const inputs = Array.from({ length: 20_000 }, (_, index) => index);
  const settled = await Promise.allSettled(inputs.map((n) => offloader.run(square, n)));
  const rejected = settled.filter((result) => result.status === 'rejected');
  const sum = settled.reduce((total, result) => total + (result.status === 'fulfilled' ? result.value : 0), 0);

  // map() over an async generator: inputs pulled as the window frees.
  async function* numbers(count: number): AsyncGenerator<number> {
    for (let n = 1; n <= count; n++) {
      await Promise.resolve();
      yield n;
    }
  }
  const mapped = await offloader.map(square, numbers(500));

  console.log(
    JSON.stringify({
      greeting,
      runs: settled.length,
      rejected: rejected.length,
      firstRejection: rejected[0]?.status === 'rejected' ? String(rejected[0].reason) : undefined,
      sum,
      mappedLength: mapped.length,
      mappedSum: mapped.reduce((total, value) => total + value, 0),
      backends: [...backends],
    }),
  );
} finally {
  await offloader.close();
}
