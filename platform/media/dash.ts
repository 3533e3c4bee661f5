import { SEGMENT_FILES } from './media-keys.ts';

/** One rendition as the DASH manifest lists it: its CMAF files are the HLS rung's own. */
export interface DashRepresentation {
  /** The rung's folder name (`360p`), also the Representation id. */
  id: string;
  bandwidth: number;
  width: number;
  height: number;
  codecs: string;
  /** Every segment's length in order, seconds, as the rung's finished media playlist lists them. */
  segmentDurationsS: readonly number[];
}

const TIMESCALE = 1000;

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const isoDuration = (s: number) => `PT${s.toFixed(3)}S`;

/** `<S>` elements from segment lengths, boundaries rounded (not each length) so the timeline never drifts. */
function timeline(durations: readonly number[]): string {
  const out: { d: number; r: number }[] = [];
  let at = 0;
  let prev = 0;
  for (const d of durations) {
    at += d;
    const boundary = Math.round(at * TIMESCALE);
    const ticks = boundary - prev;
    prev = boundary;
    const last = out.at(-1);
    if (last && last.d === ticks) last.r++;
    else out.push({ d: ticks, r: 0 });
  }
  return out.map((s, i) => `<S${i === 0 ? ' t="0"' : ''} d="${s.d}"${s.r > 0 ? ` r="${s.r}"` : ''}/>`).join('');
}

/**
 * A static DASH manifest (ISO BMFF live profile, SegmentTemplate with SegmentTimeline) over the rungs'
 * CMAF files, written beside `master.m3u8`: one set of files serves HLS and DASH. Audio is muxed into
 * each rendition's segments as in HLS, so the adaptation set is one of muxed video+audio
 * representations (the profile allows it; dash.js and Shaka expect audio apart, so our web client plays
 * HLS). Pure.
 */
export function dashManifest(o: {
  durationS: number;
  fps: number;
  representations: readonly DashRepresentation[];
}): string {
  const media = SEGMENT_FILES.pattern.replace(/%(0\d+d)/, '$$Number%$1$$');
  const rate = Number.isInteger(o.fps) ? String(o.fps) : `${Math.round(o.fps * 1000)}/1000`;
  const reps = [...o.representations].sort((a, b) => a.bandwidth - b.bandwidth);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static" mediaPresentationDuration="${isoDuration(o.durationS)}" minBufferTime="PT2S">`,
    '  <Period id="0" start="PT0S">',
    `    <AdaptationSet id="0" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1" frameRate="${rate}">`,
  ];
  for (const r of reps) {
    lines.push(
      `      <Representation id="${xml(r.id)}" bandwidth="${r.bandwidth}" width="${r.width}" height="${r.height}" sar="1:1" codecs="${xml(r.codecs)}">`,
      `        <SegmentTemplate timescale="${TIMESCALE}" startNumber="0" initialization="${xml(`${r.id}/${SEGMENT_FILES.init}`)}" media="${xml(`${r.id}/${media}`)}">`,
      `          <SegmentTimeline>${timeline(r.segmentDurationsS)}</SegmentTimeline>`,
      '        </SegmentTemplate>',
      '      </Representation>',
    );
  }
  lines.push('    </AdaptationSet>', '  </Period>', '</MPD>', '');
  return lines.join('\n');
}

/** Rewrites the `initialization` and `media` URLs of a DASH manifest with `fn` (playback tokens). Pure. */
export function rewriteMpdUrls(text: string, fn: (url: string) => string): string {
  return text.replace(
    /\b(initialization|media)="([^"]*)"/g,
    (_m, attr: string, url: string) => `${attr}="${xml(fn(url.replace(/&amp;/g, '&')))}"`,
  );
}
