/**
 * What an uploader is told when their video failed: one sentence per stable code, plus the stored detail
 * when it is about their file, cleaned of anything that describes our servers (ffmpeg's context
 * addresses, temp paths, tool names of internal steps).
 */

/** The sentence shown for each `videos.failure_code`; codes not listed get the generic one. */
const REASONS: Readonly<Record<string, string>> = {
  EMPTY_FILE: 'The uploaded file is empty.',
  PLAYLIST_NOT_ALLOWED: 'Playlists and stream descriptions cannot be uploaded; upload the video file itself.',
  NOT_A_VIDEO: 'This is not a video we can read. Upload an MP4, MOV, WebM, MKV or AVI file.',
  CORRUPT_FILE: 'The video file is damaged and cannot be read.',
  TRUNCATED_FILE: 'The video file is incomplete: it stops before the length it claims. Upload it again.',
  NO_VIDEO_STREAM: 'The file has no video picture (audio only?).',
  TOO_LONG: 'The video is too long.',
  TOO_LARGE: 'The file is too large.',
  TOO_MANY_STREAMS: 'The file holds too many tracks.',
  UNSUPPORTED_CODEC: 'The video or its sound uses a format we cannot convert.',
  BAD_DIMENSIONS: 'The picture size is not supported (too small, too large, or too narrow).',
  BAD_FRAME_RATE: 'The frame rate is not supported.',
  UPLOAD_MISSING: 'The uploaded file was not found; upload it again.',
  TRANSCODE_FAILED: 'Processing failed on our side. Try uploading again later.',
};

/** Codes whose stored detail is about our systems, never the uploader's file: shown without it. */
const INTERNAL = new Set(['TRANSCODE_FAILED', 'UPLOAD_MISSING']);

const MAX_DETAIL = 240;

/**
 * A stored failure detail fit to show: `[mov,mp4 @ 0x55…]` context prefixes, bare addresses, absolute
 * paths and `file:` URLs removed, whitespace collapsed, capped at 240 characters. Pure.
 */
export function sanitiseDetail(detail: string): string {
  const cleaned = detail
    .replace(/\[[^\]\n]*@\s*0x[0-9a-f]+\]\s*/gi, '')
    .replace(/\[(?:error|fatal|panic|warning|info)\]\s*/gi, '')
    .replace(/\b0x[0-9a-f]{6,}\b/gi, '')
    .replace(/file:\S*/g, 'the file')
    .replace(/(^|[\s'"(=])\/(?:[^\s'"():]+\/)*[^\s'"():]*/g, '$1the file')
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned.length > MAX_DETAIL ? `${cleaned.slice(0, MAX_DETAIL - 1)}…` : cleaned;
}

/** The human-readable reason for a failed video, or null when it has not failed. Pure. */
export function failureReason(code: string | null, detail: string | null): string | null {
  if (code === null) return null;
  const sentence = REASONS[code];
  if (sentence === undefined) return REASONS.TRANSCODE_FAILED!;
  if (INTERNAL.has(code) || !detail) return sentence;
  const extra = sanitiseDetail(detail);
  return extra === '' ? sentence : `${sentence} (${extra})`;
}
