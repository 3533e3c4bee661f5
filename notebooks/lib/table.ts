/** Small tables as notebook outputs: markdown (rendered by every viewer, GitHub included) and aligned text. */
import { displayable, type MediaBundle, type Showable } from './display.ts';

/** One row: column → value. */
export type Row = Record<string, string | number | boolean | null | undefined>;

/** Options of `table`. */
export interface TableOptions {
  /** Columns in order (default: the keys of the first row). */
  columns?: string[];
  /** Decimals for non-integer numbers (default 3). */
  digits?: number;
}

/** A formatted table; `show(t)` or ending a cell with it displays it. */
export interface Table extends Showable {
  readonly columns: readonly string[];
  readonly cells: readonly (readonly string[])[];
}

function format(v: Row[string], digits: number): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(digits);
  }
  return String(v);
}

const isNumeric = (s: string) => /^-?[\d,]*\.?\d+(e[-+]?\d+)?$/i.test(s);

/** Formats rows as a table; numeric columns are right-aligned. */
export function table(rows: readonly Row[], opts: TableOptions = {}): Table {
  const columns = opts.columns ?? Object.keys(rows[0] ?? {});
  const digits = opts.digits ?? 3;
  const cells = rows.map((r) => columns.map((c) => format(r[c], digits)));
  const numeric = columns.map((_, j) => cells.length > 0 && cells.every((r) => r[j] === '' || isNumeric(r[j]!)));
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const md = [
    `| ${columns.map(esc).join(' | ')} |`,
    `| ${numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`,
    ...cells.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
  const widths = columns.map((c, j) => Math.max(c.length, ...cells.map((r) => r[j]!.length)));
  const pad = (s: string, j: number) => (numeric[j] ? s.padStart(widths[j]!) : s.padEnd(widths[j]!));
  const text = [columns.map(pad).join('  '), ...cells.map((r) => r.map(pad).join('  '))].join('\n');
  const data = () => ({ 'text/markdown': md, 'text/plain': text });
  return displayable({ columns, cells, toBundle: (): MediaBundle => ({ data: data() }) }, data);
}
