/**
 * Charts for notebooks, rendered without a browser: a Vega-Lite spec is compiled and drawn to SVG by
 * vega's headless renderer, then rasterised to PNG by resvg (a Rust SVG renderer shipped as a Node-API
 * binary inside its npm package). Runs the same under Deno's Jupyter kernel and under Node.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { displayable, type MediaBundle } from './display.ts';

export type { TopLevelSpec };

/** The one font every chart names: in Debian's fonts-dejavu-core, so the PNG looks the same on every machine. */
export const CHART_FONT = 'DejaVu Sans';

/** PNG pixels per SVG pixel: sharp on high-density screens, shown at the SVG's size (the bundle says so). */
const PNG_SCALE = 2;

const THEME = {
  font: CHART_FONT,
  background: 'white',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e8e8e8' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, anchor: 'start', offset: 10 },
  range: { category: { scheme: 'tableau10' } },
} as const;

/**
 * A rendered chart. `show()` sends the PNG: every notebook viewer renders it, while an SVG output is
 * hidden by JupyterLab in a notebook it does not trust (any notebook just cloned). The SVG stays at hand
 * for documents (`writeFileSync('docs/x.svg', c.svg)`) and is what a cell ending with the chart shows.
 */
export interface Chart {
  readonly title: string;
  readonly svg: string;
  readonly png: Uint8Array;
  /** Size in CSS pixels (the PNG has `PNG_SCALE` times as many). */
  readonly width: number;
  readonly height: number;
  /** The Jupyter MIME bundle (also what the display hook returns). */
  toBundle(): MediaBundle;
}

function titleOf(spec: TopLevelSpec): string {
  const t = (spec as { title?: unknown }).title;
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object' && 'text' in t) return String((t as { text: unknown }).text);
  return 'chart';
}

function sizeOf(svg: string): { width: number; height: number } {
  const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  if (!m) throw new Error('chart: vega produced an SVG without width and height');
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** Draws an SVG document to PNG with the chart font; `scale` multiplies the pixel size. */
export function svgToPng(svg: string, scale = PNG_SCALE): Uint8Array {
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: CHART_FONT, sansSerifFamily: CHART_FONT },
  });
  return resvg.render().asPng();
}

/**
 * Renders a Vega-Lite spec (https://vega.github.io/vega-lite/docs/) to a `Chart`. Data goes inline
 * (`data: { values }`): aggregate large tables in TypeScript first (see `stats.ts`), so the SVG and the
 * notebook stay small.
 */
export async function chart(spec: TopLevelSpec): Promise<Chart> {
  const { config, ...rest } = spec as TopLevelSpec & { config?: Record<string, unknown> };
  const compiled = compile({ ...rest, config: { ...THEME, ...config } } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const png = svgToPng(svg);
    const { width, height } = sizeOf(svg);
    const title = titleOf(spec);
    const text = `[chart: ${title}]`;
    const bundle = (): MediaBundle => ({
      data: { 'image/png': Buffer.from(png).toString('base64'), 'text/plain': text },
      metadata: { 'image/png': { width, height } },
    });
    return displayable({ title, svg, png, width, height, toBundle: bundle }, () => ({
      'image/svg+xml': svg,
      'text/plain': text,
    }));
  } finally {
    view.finalize();
  }
}
