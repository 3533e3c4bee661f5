/** A media segment as its playlist lists it. */
export interface PlaylistSegment {
  uri: string;
  durationS: number;
}

/** Segments of a media playlist, in order. Pure; tolerant of tags it does not know. */
export function parseMediaPlaylist(text: string): PlaylistSegment[] {
  const segments: PlaylistSegment[] = [];
  let pending: number | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#EXTINF:')) pending = Number.parseFloat(line.slice(8));
    else if (line !== '' && !line.startsWith('#') && pending !== undefined) {
      segments.push({ uri: line, durationS: pending });
      pending = undefined;
    }
  }
  return segments;
}

/** The URI of a media playlist's initialization segment (`#EXT-X-MAP`), if it has one. Pure. */
export function playlistMapUri(text: string): string | undefined {
  return /^#EXT-X-MAP:.*URI="([^"]+)"/m.exec(text)?.[1];
}

/** Whether a media playlist is finished (`#EXT-X-ENDLIST`): an EVENT playlist still growing is not. Pure. */
export function playlistComplete(text: string): boolean {
  return /^#EXT-X-ENDLIST\s*$/m.test(text);
}

/**
 * Adds `#EXT-X-START:TIME-OFFSET=0` to a media playlist (once): players start an EVENT playlist that is
 * still growing at its beginning instead of near its live edge (RFC 8216 §4.3.5.2). Pure.
 */
export function startAtBeginning(text: string): string {
  if (/^#EXT-X-START:/m.test(text)) return text;
  return text.replace(/^#EXTM3U[ \t]*\r?\n/, (head) => `${head}#EXT-X-START:TIME-OFFSET=0,PRECISE=YES\n`);
}

/**
 * Peak and average bit rates of a rendition from its segments' sizes: BANDWIDTH is the highest per-segment
 * rate (what RFC 8216 asks for), AVERAGE-BANDWIDTH the total over the duration.
 */
export function measureBandwidth(segments: readonly { durationS: number; bytes: number }[]): {
  peak: number;
  average: number;
} {
  let bits = 0;
  let seconds = 0;
  let peak = 0;
  for (const s of segments) {
    bits += s.bytes * 8;
    seconds += s.durationS;
    // Very short tail segments would overstate the peak; rate them as if they were half a second.
    peak = Math.max(peak, (s.bytes * 8) / Math.max(s.durationS, 0.5));
  }
  return { peak: Math.ceil(peak), average: seconds > 0 ? Math.ceil(bits / seconds) : 0 };
}

/** One variant line of a master playlist. */
export interface Variant {
  uri: string;
  bandwidth: number;
  averageBandwidth: number;
  width: number;
  height: number;
  codecs: string;
  frameRate: number;
}

/** The master playlist text, variants sorted by bandwidth (lowest first, which players start with). */
export function masterPlaylist(variants: readonly Variant[]): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const v of [...variants].sort((a, b) => a.bandwidth - b.bandwidth)) {
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${v.bandwidth},AVERAGE-BANDWIDTH=${v.averageBandwidth},` +
        `RESOLUTION=${v.width}x${v.height},FRAME-RATE=${v.frameRate.toFixed(3)},CODECS="${v.codecs}"`,
      v.uri,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Rewrites every URI line of a playlist (`#EXT-X-KEY`/`#EXT-X-MAP` URI attributes too) with `fn`. Pure. */
export function rewritePlaylistUris(text: string, fn: (uri: string) => string): string {
  return text
    .split('\n')
    .map((line) => {
      const t = line.trim();
      if (t === '') return line;
      if (!t.startsWith('#')) return fn(t);
      return line.replace(/URI="([^"]*)"/g, (_m, uri: string) => `URI="${fn(uri)}"`);
    })
    .join('\n');
}
