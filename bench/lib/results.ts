import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder benchmark results are written to (`bench/results`). */
export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** Where and on what a benchmark ran, stored with every result file. */
export function environment(): Record<string, string | number> {
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    at: new Date().toISOString(),
  };
}

/** Writes `bench/results/<name>.json` (or `path`) with the environment added; returns the path. */
export function writeResults(
  name: string,
  data: Record<string, unknown>,
  path = join(RESULTS_DIR, `${name}.json`),
): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify({ benchmark: name, environment: environment(), ...data }, null, 2)}\n`);
  return path;
}
