/**
 * bench/traced-overhead: the traced row of `npm run bench` (run from
 * bench/local-overhead.ts). Spillway with tracing on against spillway
 * untraced, in the same process, interleaved: 50,000 no-ops via `run` and
 * 100,000 via `map` on 2 workers, log capture on (the default) on both sides.
 *
 * The SDK is set up as an application would: `NodeTracerProvider` with a
 * `BatchSpanProcessor` (a no-op exporter) and `register()`, which also
 * registers the AsyncLocalStorage context manager and the W3C trace-context
 * and baggage propagator, in this process only (the workers run no SDK, so
 * they report that they cannot restore a trace context). The processor's
 * queue holds 200,000 spans, so none is dropped. The SDK is unregistered
 * between traced measurements.
 *
 * Besides tasks/s it prints the process's CPU time per task of each side.
 * Then the SDK alone, in the same process: task and attempt span pairs made
 * and ended at once, as spillway makes them for a local no-op (attributes,
 * back-dated times), per second. Tracing cannot cost a task less than one
 * such pair, so `untraced rate / (1 + untraced rate / pair rate)` bounds the
 * traced rate where one thread does both (the main thread does here).
 */
import { context, propagation, SpanKind, type Tracer, trace } from '@opentelemetry/api';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { createOffloader } from 'spillway';
import { noop } from './fixtures/tasks.mjs';
import { median } from './median.js';

type TracedSide = 'untraced' | 'traced';
type TracedKey = 'runNoop' | 'mapNoop';

/** The traced row's medians: traced / untraced tasks/s, and the SDK alone. */
export interface TracedRow {
  runNoopTraced: number;
  mapNoopTraced: number;
  /** Task and attempt span pairs the SDK alone makes and ends per second here. */
  sdkSpanPairsPerSecond: number;
}

const SDK_PAIRS = 100_000;

/** Makes and ends `SDK_PAIRS` task + attempt span pairs as spillway does for a local no-op; pairs per second. */
async function sdkPairsPerSecond(tracer: Tracer): Promise<number> {
  const startedAt = performance.now();
  const root = context.active();
  const hr = (ms: number): [number, number] => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];
  for (let index = 0; index < SDK_PAIRS; index++) {
    const now = performance.now();
    const offset = Date.now() - now;
    const end = hr(now + offset);
    const ending = { 'spillway.outcome': 'ok', 'spillway.backend': 'local', 'spillway.attempts': 1 };
    const task = tracer.startSpan(
      'spillway.task noop',
      { attributes: { 'spillway.task.name': 'noop', 'spillway.task.id': String(index), ...ending }, startTime: hr(now - 0.2 + offset) },
      root,
    );
    const attributes = {
      'spillway.backend': 'local',
      'spillway.backend.kind': 'local',
      'spillway.attempt': 1,
      'spillway.outcome': 'ok',
      'spillway.run_ms': 0,
      'spillway.queue_ms': 0.1,
    };
    const attempt = tracer.startSpan('spillway.attempt', { kind: SpanKind.INTERNAL, attributes, startTime: hr(now - 0.1 + offset) }, trace.setSpan(root, task));
    attempt.end(end);
    task.end(end);
    if (index % 2_000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return SDK_PAIRS / ((performance.now() - startedAt) / 1000);
}

const COUNTS: Record<TracedKey, number> = { runNoop: 50_000, mapNoop: 100_000 };
const TARGETS: Record<TracedKey, number> = { runNoop: 0.7, mapNoop: 0.85 };

/** Measures the traced row over `reps` interleaved repetitions on `workers` workers and prints each repetition and the medians. */
export async function measureTraced(reps: number, workers: number): Promise<TracedRow> {
  const noopExporter: SpanExporter = { export: (_spans: ReadableSpan[], done) => done({ code: 0 }), shutdown: async () => {} };
  const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(noopExporter, { maxQueueSize: 200_000 })] });
  const tracing = (on: boolean): void => {
    if (on) provider.register();
    else {
      trace.disable();
      context.disable();
      propagation.disable();
    }
  };
  const offloader = createOffloader({ tasks: new URL('./fixtures/tasks.mjs', import.meta.url), local: { maxWorkers: workers, maxQueue: 100_000 } });
  const submit = (key: TracedKey, inputs: number[]) =>
    key === 'mapNoop' ? offloader.map(noop, inputs) : Promise.all(inputs.map((value) => offloader.run(noop, value)));
  const keys: TracedKey[] = ['runNoop', 'mapNoop'];
  for (const on of [false, true]) {
    tracing(on);
    for (const key of keys)
      await submit(
        key,
        Array.from({ length: 2_000 }, (_, index) => index),
      );
    tracing(false);
  }
  const ratios: Record<TracedKey, number[]> = { runNoop: [], mapNoop: [] };
  const rates: Record<TracedKey, Record<TracedSide, number[]>> = { runNoop: { untraced: [], traced: [] }, mapNoop: { untraced: [], traced: [] } };
  const cpu: Record<TracedKey, Record<TracedSide, number[]>> = { runNoop: { untraced: [], traced: [] }, mapNoop: { untraced: [], traced: [] } };
  for (let rep = 1; rep <= reps; rep++) {
    for (const key of keys) {
      const order: TracedSide[] = rep % 2 === 1 ? ['untraced', 'traced'] : ['traced', 'untraced'];
      const rate: Partial<Record<TracedSide, number>> = {};
      for (const side of order) {
        tracing(side === 'traced');
        const inputs = Array.from({ length: COUNTS[key] }, (_, index) => index);
        const startedAt = performance.now();
        const cpuBefore = process.cpuUsage();
        const results = (await submit(key, inputs)) as number[];
        rate[side] = COUNTS[key] / ((performance.now() - startedAt) / 1000);
        const used = process.cpuUsage(cpuBefore);
        tracing(false);
        cpu[key][side].push((used.user + used.system) / COUNTS[key]);
        if (results.length !== COUNTS[key] || results[COUNTS[key] - 1] !== COUNTS[key] - 1) throw new Error(`${side} returned wrong results`);
        if (side === 'traced') await provider.forceFlush();
      }
      const ratio = (rate.traced ?? 0) / (rate.untraced ?? 1);
      ratios[key].push(ratio);
      rates[key].untraced.push(rate.untraced ?? 0);
      rates[key].traced.push(rate.traced ?? 0);
      console.log(
        `rep ${rep} ${key.padEnd(8)} traced: untraced ${Math.round(rate.untraced ?? 0)
          .toLocaleString()
          .padStart(9)}/s  traced ${Math.round(rate.traced ?? 0)
          .toLocaleString()
          .padStart(9)}/s  ratio ${ratio.toFixed(2)}`,
      );
    }
  }
  await offloader.close();
  tracing(true);
  const tracer = trace.getTracer('spillway');
  await sdkPairsPerSecond(tracer);
  const pairRates: number[] = [];
  for (let rep = 1; rep <= reps; rep++) pairRates.push(await sdkPairsPerSecond(tracer));
  tracing(false);
  await provider.shutdown();
  for (const key of keys) {
    const ratio = median(ratios[key]);
    const spread = `${Math.min(...ratios[key]).toFixed(2)}-${Math.max(...ratios[key]).toFixed(2)}`;
    console.log(
      `${`${key} traced`.padEnd(28)} untraced ${Math.round(median(rates[key].untraced)).toLocaleString()}/s, traced ${Math.round(median(rates[key].traced)).toLocaleString()}/s, median ratio ${ratio.toFixed(2)} (${spread})   >= ${TARGETS[key]} ${ratio >= TARGETS[key] ? 'met' : 'MISSED'}; CPU per task untraced ${median(cpu[key].untraced).toFixed(1)} us, traced ${median(cpu[key].traced).toFixed(1)} us`,
    );
  }
  const pairRate = median(pairRates);
  console.log(
    `SDK alone: ${Math.round(pairRate).toLocaleString()} task+attempt span pairs/s (${Math.round(Math.min(...pairRates)).toLocaleString()}-${Math.round(Math.max(...pairRates)).toLocaleString()})`,
  );
  for (const key of keys) {
    const untraced = median(rates[key].untraced);
    console.log(
      `  ${key}: untraced ${Math.round(untraced).toLocaleString()}/s; one thread making tasks and spans: at most ${(1 / (1 + untraced / pairRate)).toFixed(2)} of it`,
    );
  }
  return { runNoopTraced: median(ratios.runNoop), mapNoopTraced: median(ratios.mapNoop), sdkSpanPairsPerSecond: pairRate };
}
