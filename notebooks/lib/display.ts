/**
 * Rich output from notebook code: charts and tables go to the Jupyter front end as MIME bundles through
 * Deno's kernel, and to stdout as text anywhere else (Node, a plain `deno run`), so the same helpers serve
 * notebooks, scripts and tests.
 */
import { appendFileSync } from 'node:fs';
import { notebookSettings } from './settings.ts';

/** A Jupyter `display_data` payload: MIME type → content, plus per-type metadata (e.g. an image's size). */
export interface MediaBundle {
  data: Record<string, string>;
  metadata?: Record<string, unknown>;
}

/** What Deno's kernel exposes as `Deno.jupyter`, reduced to the one call used here. */
interface DenoJupyter {
  broadcast(msgType: string, content: Record<string, unknown>): Promise<void>;
}

/** The symbol Deno's kernel looks for on a cell's last value to render it richly. */
const DISPLAY = Symbol.for('Jupyter.display');

function kernel(): DenoJupyter | undefined {
  return (globalThis as { Deno?: { jupyter?: DenoJupyter } }).Deno?.jupyter;
}

/** True inside a Jupyter kernel (where `show` renders instead of printing). */
export function inKernel(): boolean {
  return kernel() !== undefined;
}

/**
 * Makes `value` render when a cell ends with it, for interactive use: Deno's kernel calls the hook for a
 * MIME bundle. Committed notebooks use `show()` instead: the hook carries no image sizes (charts give it
 * their SVG), and the kernel sends a cell's result like a display, so it can drop it unnoticed.
 */
export function displayable<T extends object>(value: T, data: () => Record<string, string>): T {
  Object.defineProperty(value, DISPLAY, { value: data, enumerable: false });
  return value;
}

/** Anything with a MIME bundle (`Chart`, `Table`). */
export interface Showable {
  toBundle(): MediaBundle;
}

/**
 * Deno's kernel (2.9) can drop a `display_data` message when another message follows it too closely
 * (the next output, or the end of the cell). Measured on 30-cell notebooks, two outputs per cell, on this
 * 2-core machine under load: 7–9 of 60 outputs lost back to back, 1 of 60 with a 20 ms pause after the
 * cell's last one, none of 120 with 50 ms after each. The runner's ledger check catches any loss left.
 */
const PAUSE_MS = 50;

/**
 * Shows each item as a cell output (in a kernel) or prints its text form (elsewhere). Use it for every
 * rich output (not `console.log`, whose stream Deno delivers after the cell may have ended).
 */
export async function show(...items: Showable[]): Promise<void> {
  const k = kernel();
  const ledger = notebookSettings().FORYOU_NOTEBOOK_LEDGER;
  for (const item of items) {
    const b = item.toBundle();
    if (!k) {
      process.stdout.write(`${b.data['text/plain'] ?? '[no text form]'}\n`);
      continue;
    }
    await k.broadcast('display_data', { data: b.data, metadata: b.metadata ?? {}, transient: {} });
    if (ledger) appendFileSync(ledger, `${Object.keys(b.data).join(' ')}\n`);
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }
}

/** Shows markdown text (a heading, a finding with its numbers) as an output. */
export function markdown(text: string): Showable {
  const data = () => ({ 'text/markdown': text, 'text/plain': text });
  return displayable({ toBundle: () => ({ data: data() }) }, data);
}
