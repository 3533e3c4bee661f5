import { describe, expect, it } from 'vitest';
import { dashManifest, rewriteMpdUrls } from './dash.ts';

const rep = (id: string, bandwidth: number) => ({
  id,
  bandwidth,
  width: 360,
  height: 640,
  codecs: 'avc1.4d401e,mp4a.40.2',
  segmentDurationsS: [1, 2.000011, 1.999989, 2, 0.5],
});

describe('dashManifest', () => {
  const mpd = dashManifest({ durationS: 7.5, fps: 30, representations: [rep('480p', 2e6), rep('360p', 1e6)] });

  it('lists every rung over its CMAF files, lowest bandwidth first', () => {
    expect(mpd).toContain('type="static"');
    expect(mpd).toContain('mediaPresentationDuration="PT7.500S"');
    expect(mpd.indexOf('id="360p"')).toBeLessThan(mpd.indexOf('id="480p"'));
    expect(mpd).toContain('initialization="360p/init.mp4" media="360p/seg_$Number%05d$.m4s"');
    expect(mpd).toContain('startNumber="0"');
  });

  it('writes a timeline from rounded boundaries, so lengths never drift', () => {
    expect(mpd).toContain('<SegmentTimeline><S t="0" d="1000"/><S d="2000" r="2"/><S d="500"/></SegmentTimeline>');
  });

  it('carries a token into the initialization and media templates', () => {
    const out = rewriteMpdUrls(mpd, (u) => `${u}?token=a&b`);
    expect(out).toContain('initialization="360p/init.mp4?token=a&amp;b"');
    expect(out).toContain('media="360p/seg_$Number%05d$.m4s?token=a&amp;b"');
  });
});
