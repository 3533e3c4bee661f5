import type { Registry } from 'prom-client';
import { Telemetry, type TelemetryOptions } from '../telemetry/telemetry.ts';

/** A log line as pino wrote it. */
export type LogLine = Record<string, unknown> & { level: number; msg: string; component?: string };

/** A telemetry whose log lines are kept in `lines` (JSON-parsed), for tests that assert on logs. */
export function capturingTelemetry(opts: Omit<TelemetryOptions, 'destination'> = {}): {
  telemetry: Telemetry;
  lines: LogLine[];
} {
  const lines: LogLine[] = [];
  const telemetry = new Telemetry({
    level: 'debug',
    processMetrics: false,
    ...opts,
    destination: { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) },
  });
  return { telemetry, lines };
}

/** The value of one series (a counter or gauge; a histogram's `_count`), or undefined when absent. */
export async function sampleOf(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const family = name.endsWith('_count') ? name.slice(0, -'_count'.length) : name;
  const metric = registry.getSingleMetric(family);
  if (!metric) return undefined;
  const { values } = await metric.get();
  const hit = values.find(
    (v) =>
      (family === name || (v as { metricName?: string }).metricName === name) &&
      Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want),
  );
  return hit?.value;
}

/** Parses the Prometheus text format into `name{labels}` → value, for asserting on a `/metrics` page. */
export function parseMetricsText(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}
