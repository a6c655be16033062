/**
 * bench/metered-overhead: the metered row of `npm run bench` (run from
 * bench/local-overhead.ts). What the OpenTelemetry metrics cost a task:
 * two offloaders in one process, one created before a `MeterProvider` was
 * registered (its instruments are no-ops: the metrics API has no proxy) and
 * one after (counters, histograms and gauges recorded per task), 50,000
 * no-ops via `run` and 100,000 via `map` on 2 workers each, interleaved.
 * The provider is set up as an application would: a
 * `PeriodicExportingMetricReader` (one export a minute, none during the
 * measurement) with an in-memory exporter.
 */
import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { createOffloader, type Offloader } from 'spillway';
import { noop } from './fixtures/tasks.mjs';
import { median } from './median.js';

type MeteredSide = 'unmetered' | 'metered';
type MeteredKey = 'runNoop' | 'mapNoop';

/** The metered row's medians: metered / unmetered tasks/s. */
export interface MeteredRow {
  runNoopMetered: number;
  mapNoopMetered: number;
}

const COUNTS: Record<MeteredKey, number> = { runNoop: 50_000, mapNoop: 100_000 };

/** Measures the metered row over `reps` interleaved repetitions on `workers` workers and prints each repetition and the medians. */
export async function measureMetered(reps: number, workers: number): Promise<MeteredRow> {
  const tasks = new URL('./fixtures/tasks.mjs', import.meta.url);
  const local = { maxWorkers: workers, maxQueue: 100_000 };
  const unmetered = createOffloader({ tasks, local });
  const reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(provider);
  const offloaders: Record<MeteredSide, Offloader> = { unmetered, metered: createOffloader({ tasks, local }) };
  const submit = (side: MeteredSide, key: MeteredKey, inputs: number[]) =>
    key === 'mapNoop' ? offloaders[side].map(noop, inputs) : Promise.all(inputs.map((value) => offloaders[side].run(noop, value)));
  const keys: MeteredKey[] = ['runNoop', 'mapNoop'];
  for (const side of ['unmetered', 'metered'] as const)
    for (const key of keys)
      await submit(
        side,
        key,
        Array.from({ length: 2_000 }, (_, index) => index),
      );
  const ratios: Record<MeteredKey, number[]> = { runNoop: [], mapNoop: [] };
  for (let rep = 1; rep <= reps; rep++) {
    for (const key of keys) {
      const order: MeteredSide[] = rep % 2 === 1 ? ['unmetered', 'metered'] : ['metered', 'unmetered'];
      const rate: Partial<Record<MeteredSide, number>> = {};
      for (const side of order) {
        const inputs = Array.from({ length: COUNTS[key] }, (_, index) => index);
        const startedAt = performance.now();
        const results = (await submit(side, key, inputs)) as number[];
        rate[side] = COUNTS[key] / ((performance.now() - startedAt) / 1000);
        if (results.length !== COUNTS[key] || results[COUNTS[key] - 1] !== COUNTS[key] - 1) throw new Error(`${side} returned wrong results`);
      }
      const ratio = (rate.metered ?? 0) / (rate.unmetered ?? 1);
      ratios[key].push(ratio);
      console.log(
        `rep ${rep} ${key.padEnd(8)} metered: unmetered ${Math.round(rate.unmetered ?? 0)}/s  metered ${Math.round(rate.metered ?? 0)}/s  ratio ${ratio.toFixed(2)}`,
      );
    }
  }
  await Promise.all([unmetered.close(), offloaders.metered.close()]);
  await provider.shutdown();
  metrics.disable();
  for (const key of keys) {
    const spread = `${Math.min(...ratios[key]).toFixed(2)}-${Math.max(...ratios[key]).toFixed(2)}`;
    console.log(`${`${key} metered`.padEnd(28)} median ratio ${median(ratios[key]).toFixed(2)} (${spread})`);
  }
  return { runNoopMetered: median(ratios.runNoop), mapNoopMetered: median(ratios.mapNoop) };
}
