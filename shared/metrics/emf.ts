/**
 * Writes catalog metrics as CloudWatch embedded-metric-format lines (one JSON object per line on stdout; Lambda's
 * log group extracts them). Only catalog metrics can be written, with exactly the dimensions and properties the
 * catalog lists, so a dashboard panel (metric or Logs Insights) and the code cannot drift apart, and no unbounded
 * dimension slips in.
 */
import type { CatalogMetric } from './catalog.ts';

/** Publishes one EMF line; in a Lambda, stdout. */
export type MetricSink = (line: string) => void;

/** The Lambda sink: one line on stdout. */
export const stdoutMetricSink: MetricSink = (line) => {
  process.stdout.write(`${line}\n`);
};

/** One data point of a catalog metric. */
export interface MetricPoint {
  readonly metric: CatalogMetric;
  readonly value: number;
  /** A value for every dimension of the metric's dimension sets (bounded by the caller). */
  readonly dimensions?: Readonly<Record<string, string>>;
  /** The metric's catalog properties, for Logs Insights (not dimensions: they create no metric). */
  readonly properties?: Readonly<Record<string, string | number>>;
}

/** The EMF line of one point; throws, naming the metric, on a metric or dimension the catalog does not allow. */
export function emfLine(point: MetricPoint, at: Date): string {
  const { metric, value } = point;
  if (metric.publisher.kind !== 'emf') {
    throw new Error(`${metric.namespace}/${metric.name} is published by AWS, not emitted by the hub`);
  }
  if (!Number.isFinite(value)) throw new Error(`metric ${metric.name}: value ${value} is not a finite number`);
  const expected = new Set(metric.dimensionSets.flat());
  const given = point.dimensions ?? {};
  for (const name of expected) {
    if (typeof given[name] !== 'string' || given[name] === '') {
      throw new Error(`metric ${metric.name}: dimension ${name} needs a value`);
    }
  }
  for (const name of Object.keys(given)) {
    if (!expected.has(name)) throw new Error(`metric ${metric.name}: ${name} is not one of its dimensions`);
  }
  const properties = point.properties ?? {};
  for (const name of Object.keys(properties)) {
    if (name === '_aws' || name === metric.name || expected.has(name)) {
      throw new Error(`metric ${metric.name}: property ${name} would overwrite a metric field`);
    }
    if (!metric.properties.includes(name))
      throw new Error(`metric ${metric.name}: ${name} is not one of its properties`);
  }
  for (const name of metric.properties) {
    const v = properties[name];
    if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) {
      throw new Error(`metric ${metric.name}: property ${name} needs a value`);
    }
  }
  return JSON.stringify({
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: metric.namespace,
          Dimensions: metric.dimensionSets.map((set) => [...set]),
          Metrics: [{ Name: metric.name, Unit: metric.unit }],
        },
      ],
    },
    ...properties,
    ...given,
    [metric.name]: value,
  });
}

/** Writes a point to a sink; a sink that throws never fails the caller (metrics are not worth an outage). */
export function emit(sink: MetricSink | undefined, point: MetricPoint, at: Date): void {
  if (!sink) return;
  const line = emfLine(point, at);
  try {
    sink(line);
  } catch {
    // stdout closed or a test sink that throws: the run itself goes on.
  }
}
