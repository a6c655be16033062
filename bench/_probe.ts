import { Piscina } from 'piscina';
import { createOffloader } from 'spillway';
import { noop } from './fixtures/tasks.mjs';
const pool = new Piscina({ filename: new URL('./fixtures/piscina-worker.mjs', import.meta.url).href, minThreads: 2, maxThreads: 2 });
const off = createOffloader({ tasks: new URL('./fixtures/tasks.mjs', import.meta.url), local: { maxWorkers: 2, minWorkers: 2 } });
const echo = noop as any;
const size = Number(process.env.SIZE ?? 1 << 20);
const sides: Record<string, (v: Uint8Array) => Promise<unknown>> = {
  piscina: (v) => pool.run(v, { name: 'noop' }),
  piscinaT: (v) => pool.run(v, { name: 'noop', transferList: [v.buffer as ArrayBuffer] }),
  spillway: (v) => off.run(echo, v),
  spillwayT: (v) => off.run(echo, v, { transfer: true }),
};
for (let r = 0; r < 4; r++) {
  const line: string[] = [];
  for (const [name, fn] of Object.entries(sides)) {
    const inputs = Array.from({ length: 40 }, () => new Uint8Array(size).fill(7));
    const t = performance.now();
    for (const v of inputs) await fn(v);
    line.push(`${name} ${((performance.now() - t) / inputs.length).toFixed(3)}`);
  }
  console.log(line.join('  '));
}
await off.close(); await pool.destroy();
