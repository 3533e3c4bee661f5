import { setFlagsFromString } from 'node:v8';

/**
 * Sets how far V8 lets the old generation grow past what the last full GC kept, as
 * `API_HEAP_GROWING_PERCENT` asks (0: V8's own choice). V8 reads the factor at every full GC, so setting
 * it when the process starts takes effect without a command-line flag, in every API process of a
 * cluster alike. Unlike a heap cap (`--max-old-space-size`) it never makes a larger catalogue fail: the
 * heap still grows with what is live, by this factor instead of V8's up to 4x on a machine with memory.
 */
export function applyHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${Math.round(percent)}`);
}
