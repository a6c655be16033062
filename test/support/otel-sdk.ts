/**
 * The OpenTelemetry SDK registered in a test's own process, with in-memory
 * span and metric exporters, before any offloader exists (the metrics API
 * has no proxy), and a reader of one metric's latest export.
 */
import { metrics, trace } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, type MetricData, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** What {@link registerOtelSdk} set up. */
export interface TestSdk {
  /** Every finished span. */
  spans: InMemorySpanExporter;
  /** The named metric as a forced export has it now (undefined when it has no data). */
  metric(name: string): Promise<MetricData | undefined>;
}

/** Registers a tracer provider and a meter provider (an export an hour, so only forced ones run). */
export function registerOtelSdk(): TestSdk {
  const spans = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  return {
    spans,
    async metric(name) {
      await reader.forceFlush();
      return exporter
        .getMetrics()
        .at(-1)
        ?.scopeMetrics.flatMap((scope) => scope.metrics)
        .find((metric) => metric.descriptor.name === name);
    },
  };
}
