/**
 * Two small SVG charts for experiment reports, written directly (no browser, no async renderer): the
 * cumulative effect over time with its confidence band, and per-arm distributions.
 */
const W = 640;
const H = 300;
const M = { l: 60, r: 20, t: 36, b: 44 };
const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948'];
const FONT = "font-family='DejaVu Sans, sans-serif'";

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(3));

function ticks(lo: number, hi: number, n = 5): number[] {
  const step = (hi - lo) / n;
  return Array.from({ length: n + 1 }, (_, i) => lo + i * step);
}

function frame(
  title: string,
  xLabel: string,
  yLabel: string,
  x: [number, number],
  y: [number, number],
  body: string,
): string {
  const sx = (v: number) => M.l + ((v - x[0]) / (x[1] - x[0] || 1)) * (W - M.l - M.r);
  const sy = (v: number) => H - M.b - ((v - y[0]) / (y[1] - y[0] || 1)) * (H - M.t - M.b);
  const xt = ticks(x[0], x[1])
    .map((v) => `<text x='${sx(v)}' y='${H - M.b + 16}' text-anchor='middle' font-size='11'>${fmt(v)}</text>`)
    .join('');
  const yt = ticks(y[0], y[1])
    .map(
      (v) =>
        `<line x1='${M.l}' x2='${W - M.r}' y1='${sy(v)}' y2='${sy(v)}' stroke='#e8e8e8'/><text x='${M.l - 6}' y='${sy(v) + 4}' text-anchor='end' font-size='11'>${fmt(v)}</text>`,
    )
    .join('');
  return (
    `<svg xmlns='http://www.w3.org/2000/svg' width='${W}' height='${H}' viewBox='0 0 ${W} ${H}' ${FONT}>` +
    `<rect width='${W}' height='${H}' fill='white'/>` +
    `<text x='${M.l}' y='20' font-size='14'>${esc(title)}</text>${yt}${xt}` +
    `<text x='${(M.l + W - M.r) / 2}' y='${H - 8}' text-anchor='middle' font-size='12'>${esc(xLabel)}</text>` +
    `<text transform='translate(14 ${(M.t + H - M.b) / 2}) rotate(-90)' text-anchor='middle' font-size='12'>${esc(yLabel)}</text>` +
    body
      .replace(/X\(([-\d.e]+)\)/g, (_, v) => String(sx(Number(v))))
      .replace(/Y\(([-\d.e]+)\)/g, (_, v) => String(sy(Number(v)))) +
    `</svg>`
  );
}

/** One series of the effect chart: points (x, estimate, band low, band high). */
export interface EffectSeries {
  name: string;
  points: { x: number; y: number; lo: number; hi: number }[];
}

/** Effect over time: a line per series with its shaded band, and the zero line. */
export function effectChart(title: string, xLabel: string, yLabel: string, series: readonly EffectSeries[]): string {
  const pts = series.flatMap((s) => s.points).filter((p) => [p.lo, p.hi, p.y].every(Number.isFinite));
  if (pts.length === 0) return frame(title, xLabel, yLabel, [0, 1], [-1, 1], '');
  const x: [number, number] = [Math.min(...pts.map((p) => p.x)), Math.max(...pts.map((p) => p.x))];
  const y: [number, number] = [Math.min(0, ...pts.map((p) => p.lo)), Math.max(0, ...pts.map((p) => p.hi))];
  let body = `<line x1='X(${x[0]})' x2='X(${x[1]})' y1='Y(0)' y2='Y(0)' stroke='#555' stroke-dasharray='4 3'/>`;
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length];
    const ok = s.points.filter((p) => [p.lo, p.hi, p.y].every(Number.isFinite));
    if (ok.length === 0) return;
    const band = [...ok.map((p) => `X(${p.x}),Y(${p.hi})`), ...ok.reverse().map((p) => `X(${p.x}),Y(${p.lo})`)].join(
      ' ',
    );
    ok.reverse();
    body += `<polygon points='${band}' fill='${c}' fill-opacity='0.18'/>`;
    body += `<polyline points='${ok.map((p) => `X(${p.x}),Y(${p.y})`).join(' ')}' fill='none' stroke='${c}' stroke-width='2'/>`;
    body += `<text x='${W - M.r - 4}' y='${M.t + 14 * (i + 1)}' text-anchor='end' font-size='11' fill='${c}'>${esc(s.name)}</text>`;
  });
  return frame(title, xLabel, yLabel, x, y, body);
}

/** Per-arm histograms (share of the arm's users per bin) as step lines over a shared range. */
export function distributionChart(
  title: string,
  xLabel: string,
  arms: readonly { name: string; values: readonly number[] }[],
  bins = 30,
): string {
  const all = arms.flatMap((a) => a.values).sort((a, b) => a - b);
  const lo = all[0] ?? 0;
  // The top 1 % is folded into the last bin, so one heavy user does not flatten the chart.
  const hi = all[Math.floor(0.99 * (all.length - 1))] ?? 1;
  const width = (hi - lo || 1) / bins;
  const shares = arms.map((a) => {
    const c = new Array<number>(bins).fill(0);
    for (const v of a.values) c[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)))]!++;
    return c.map((n) => n / Math.max(1, a.values.length));
  });
  const ymax = Math.max(0.01, ...shares.flat());
  let body = '';
  shares.forEach((s, i) => {
    const c = COLORS[i % COLORS.length];
    const pts = s.flatMap((v, k) => [`X(${lo + k * width}),Y(${v})`, `X(${lo + (k + 1) * width}),Y(${v})`]).join(' ');
    body += `<polyline points='${pts}' fill='none' stroke='${c}' stroke-width='2'/>`;
    body += `<text x='${W - M.r - 4}' y='${M.t + 14 * (i + 1)}' text-anchor='end' font-size='11' fill='${c}'>${esc(arms[i]!.name)} (${arms[i]!.values.length} users)</text>`;
  });
  return frame(title, xLabel, 'share of the arm’s users', [lo, lo + bins * width], [0, ymax * 1.1], body);
}
