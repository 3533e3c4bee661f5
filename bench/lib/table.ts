/** A plain-text table with right-aligned numbers, for benchmark output on a terminal. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly (string | number | boolean | null | undefined)[])[],
  digits = 4,
): string {
  const cell = (v: string | number | boolean | null | undefined) =>
    v === null || v === undefined
      ? '-'
      : typeof v === 'number'
        ? Number.isInteger(v)
          ? String(v)
          : v.toFixed(digits)
        : String(v);
  const text = rows.map((r) => headers.map((_, i) => cell(r[i])));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]!.length)));
  const numeric = headers.map((_, i) =>
    rows.every((r) => typeof r[i] === 'number' || r[i] === null || r[i] === undefined),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map(line)].join('\n');
}
