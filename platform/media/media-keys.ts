/**
 * Where a video's files live in the ObjectStore. Everything a transcode writes sits under a versioned
 * prefix, so a re-transcode never overwrites files a CDN may have cached as immutable.
 */
export const mediaKeys = {
  /** The client's upload, outside the served prefix: the origin never serves sources. */
  source: (videoId: string) => `uploads/${videoId}/source`,
  /** The video whose source `key` is, or undefined for any other key. */
  sourceVideoId: (key: string): string | undefined => /^uploads\/([^/]+)\/source$/.exec(key)?.[1],
  /** Everything of a video, all versions (for deletion). */
  videoRoot: (videoId: string) => `videos/${videoId}/`,
  prefix: (videoId: string, version: number) => `videos/${videoId}/v${version}`,
  master: (videoId: string, version: number) => `videos/${videoId}/v${version}/master.m3u8`,
  rungDir: (videoId: string, version: number, rung: string) => `videos/${videoId}/v${version}/${rung}`,
  rungPlaylist: (videoId: string, version: number, rung: string) => `videos/${videoId}/v${version}/${rung}/index.m3u8`,
  thumbs: (videoId: string, version: number) => `videos/${videoId}/v${version}/thumbs`,
  thumb: (videoId: string, version: number, file: string) => `videos/${videoId}/v${version}/thumbs/${file}`,
  /** The DASH manifest beside the master playlist, over the same CMAF files. */
  dash: (videoId: string, version: number) => `videos/${videoId}/v${version}/manifest.mpd`,
  /** The first segment beside a rendition's media playlist (segments are named by SEGMENT_FILES). */
  firstSegment: (playlistKey: string) => `${playlistKey.slice(0, playlistKey.lastIndexOf('/'))}/${SEGMENT_FILES.first}`,
  /** The initialization segment (CMAF header) beside a rendition's media playlist. */
  initSegment: (playlistKey: string) => `${playlistKey.slice(0, playlistKey.lastIndexOf('/'))}/${SEGMENT_FILES.init}`,
};

/**
 * How the transcoder names a rendition's files: CMAF (fragmented MP4) media segments by an ffmpeg
 * pattern, the first one's name, and the initialization segment every media segment needs before it.
 */
export const SEGMENT_FILES = { pattern: 'seg_%05d.m4s', first: 'seg_00000.m4s', init: 'init.mp4' } as const;

const TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  mpd: 'application/dash+xml',
  ts: 'video/mp2t',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  jpg: 'image/jpeg',
  webp: 'image/webp',
};

/** Content types of the manifests (HLS playlists and the DASH MPD): short-lived, rewritten for tokens. */
export const MANIFEST_TYPES: ReadonlySet<string> = new Set([TYPES.m3u8!, TYPES.mpd!]);

/** The content type of a served media file by extension; undefined for anything the origin must not serve. */
export function mediaContentType(key: string): string | undefined {
  const dot = key.lastIndexOf('.');
  return dot < 0 ? undefined : TYPES[key.slice(dot + 1).toLowerCase()];
}
