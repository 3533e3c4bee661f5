import { describe, expect, it } from 'vitest';
import { chart, svgToPng } from './chart.ts';

const pngSize = (png: Uint8Array) => {
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: v.getUint32(16), height: v.getUint32(20) };
};

describe('notebook charts', () => {
  it('renders a Vega-Lite spec to an SVG and a PNG at twice its size, shown at the SVG size', async () => {
    const c = await chart({
      title: 'recall by model',
      width: 200,
      height: 100,
      data: { values: [{ m: 'mf', v: 0.35, lo: 0.34, hi: 0.36 }] },
      layer: [
        { mark: 'point', encoding: { x: { field: 'v', type: 'quantitative' }, y: { field: 'm', type: 'nominal' } } },
        {
          mark: 'rule',
          encoding: {
            x: { field: 'lo', type: 'quantitative' },
            x2: { field: 'hi' },
            y: { field: 'm', type: 'nominal' },
          },
        },
      ],
    });
    expect(c.title).toBe('recall by model');
    expect(c.svg).toMatch(/^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(c.svg).toContain('recall by model');
    expect(Array.from(c.png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(pngSize(c.png)).toEqual({ width: 2 * c.width, height: 2 * c.height });
    const bundle = c.toBundle();
    expect(Object.keys(bundle.data).sort()).toEqual(['image/png', 'text/plain']);
    expect(bundle.metadata).toEqual({ 'image/png': { width: c.width, height: c.height } });
  });

  it('draws text with the chart font (a missing font would leave labels blank)', () => {
    const svg = (label: string) =>
      `<svg xmlns="http://www.w3.org/2000/svg" width="80" height="20"><text x="2" y="15" font-family="DejaVu Sans" font-size="12">${label}</text></svg>`;
    expect(Buffer.from(svgToPng(svg('recall'))).equals(Buffer.from(svgToPng(svg(''))))).toBe(false);
  });
});
