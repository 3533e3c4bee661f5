import type { SniffedKind } from './video-info.ts';

const MOV_BOXES = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot']);
// Text formats that make a demuxer open other URLs (HLS, DASH, ffconcat, SDP, RTSP-style playlists).
const PLAYLIST_SIGNATURES = [
  /^#EXTM3U/,
  /^ffconcat version/i,
  /^<\?xml[^>]*>\s*<MPD/i,
  /^<MPD/i,
  /^v=0\r?\n/,
  /^\[playlist\]/i,
];

/**
 * Classifies a file by its first bytes. Pure. We sniff before ffprobe so a playlist is refused without
 * any demuxer following its URLs, and so a failed probe can be told apart: a file that starts like an
 * MP4 but will not open is damaged, anything else is not a video at all.
 */
export function sniffContainer(head: Uint8Array): SniffedKind {
  if (head.length === 0) return 'empty';
  const buf = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const text = buf
    .subarray(0, 512)
    .toString('latin1')
    .replace(/^\uFEFF|^\xEF\xBB\xBF/, '')
    .trimStart();
  if (PLAYLIST_SIGNATURES.some((re) => re.test(text))) return 'playlist';
  if (buf.length >= 8 && MOV_BOXES.has(buf.subarray(4, 8).toString('latin1'))) return 'mov';
  if (buf.length >= 4 && buf.readUInt32BE(0) === 0x1a45dfa3) return 'matroska';
  if (
    buf.length >= 12 &&
    buf.subarray(0, 4).toString('latin1') === 'RIFF' &&
    buf.subarray(8, 12).toString('latin1') === 'AVI '
  ) {
    return 'avi';
  }
  return 'unknown';
}
