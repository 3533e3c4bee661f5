/**
 * Helpers for benchmark scripts: command-line flags, order statistics, and thin wrappers over
 * `bench/lib` (tables, RSS sampling, result files) for scripts that print object rows.
 */
import { writeResults as writeResultFile } from './lib/results.ts';
import { startRssSampler } from './lib/rss.ts';
import { formatTable } from './lib/table.ts';

/** True when the flag is on the command line. */
export function argFlag(name: string): boolean {
  return process.argv.includes(name);
}

/** The value after `--name` (or in `--name=value`), if given. */
export function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i >= 0) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

/** The median of a non-empty list. */
/** Where a process's memory is, in MB: RSS, the V8 heap, external and array buffers (the rest is native). */
export interface MemoryMb {
  rss: number;
  heap_used: number;
  heap_total: number;
  external: number;
  array_buffers: number;
}

export function memoryMb(mem: NodeJS.MemoryUsage = process.memoryUsage()): MemoryMb {
  const mb = (bytes: number) => Math.round(bytes / 1048576);
  return {
    rss: mb(mem.rss),
    heap_used: mb(mem.heapUsed),
    heap_total: mb(mem.heapTotal),
    external: mb(mem.external),
    array_buffers: mb(mem.arrayBuffers),
  };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The q-quantile (0..1) by nearest rank. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** Samples RSS; `stop()` returns the peak in MB. */
export function rssSampler(): { stop(): number } {
  const sampler = startRssSampler();
  return { stop: () => Math.round(sampler.stop().peakMb) };
}

/** Prints object rows (same keys) as an aligned table under a title. */
export function printTable(title: string, rows: readonly object[]): void {
  if (rows.length === 0) return;
  const headers = Object.keys(rows[0]!);
  const cells = rows.map((r) =>
    headers.map((h) => (r as Record<string, string | number | boolean | null | undefined>)[h]),
  );
  process.stdout.write(`\n${title}\n${formatTable(headers, cells, 3)}\n`);
}

/** Writes `bench/results/<name>.json` and says where. */
export function writeResults(name: string, data: Record<string, unknown>): string {
  const path = writeResultFile(name, data);
  process.stdout.write(`\nwrote ${path}\n`);
  return path;
}
