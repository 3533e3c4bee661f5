import { open, stat } from 'node:fs/promises';
import { findExecutable, runProcess } from './child-process.ts';
import { sniffContainer } from './container-sniff.ts';
import type { AudioStreamInfo, ProbeOutcome, StreamSummary, VideoInfo, VideoStreamInfo } from './video-info.ts';

/** Limits for one ffprobe run on an untrusted file. */
export interface ProbeOptions {
  timeoutMs?: number;
  memoryBytes?: number;
}

/** Demuxers ffprobe may use on uploads: anything else (HLS, concat, image2, …) is never opened. */
export const PROBE_FORMATS = ['mov', 'mp4', 'matroska', 'webm', 'avi'] as const;

/**
 * Probes an uploaded file safely: playlists are refused from their first bytes before ffprobe runs,
 * and ffprobe itself may read only local files through the whitelisted demuxers, with a deadline and a
 * memory cap. Never throws for a bad file; throws only when ffprobe cannot be started at all.
 */
export async function probe(path: string, opts: ProbeOptions = {}): Promise<ProbeOutcome> {
  const { size } = await stat(path);
  const head = Buffer.alloc(Math.min(size, 4096));
  if (size > 0) {
    const fh = await open(path, 'r');
    try {
      await fh.read(head, 0, head.length, 0);
    } finally {
      await fh.close();
    }
  }
  const sniffed = sniffContainer(head);
  if (sniffed === 'empty') return { ok: false, sizeBytes: 0, sniffed, message: 'the file is empty' };
  if (sniffed === 'playlist') return { ok: false, sizeBytes: size, sniffed, message: 'the file is a playlist' };
  const ffprobe = findExecutable('ffprobe') ?? 'ffprobe';
  const res = await runProcess(
    ffprobe,
    [
      '-v',
      'error',
      '-protocol_whitelist',
      'file',
      '-format_whitelist',
      PROBE_FORMATS.join(','),
      '-print_format',
      'json',
      '-show_format',
      '-show_streams',
      `file:${path}`,
    ],
    { timeoutMs: opts.timeoutMs ?? 20_000, memoryBytes: opts.memoryBytes ?? 1024 ** 3 },
  );
  if (res.timedOut) return { ok: false, sizeBytes: size, sniffed, message: 'ffprobe timed out' };
  if (res.code !== 0) {
    return { ok: false, sizeBytes: size, sniffed, message: res.stderr.trim().split('\n').slice(-3).join(' ') };
  }
  try {
    return { ok: true, info: mapFfprobeJson(JSON.parse(res.stdout), size) };
  } catch (err) {
    return { ok: false, sizeBytes: size, sniffed, message: `unreadable ffprobe output: ${(err as Error).message}` };
  }
}

type Json = Record<string, unknown>;

const num = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
};

/** `30000/1001` → 29.97; `0/0` or junk → 0. */
export function parseRate(rate: unknown): number {
  if (typeof rate !== 'string') return 0;
  const [n, d] = rate.split('/').map(Number);
  if (n === undefined || !Number.isFinite(n)) return 0;
  if (d === undefined) return Math.max(n, 0);
  return Number.isFinite(d) && d > 0 && n > 0 ? n / d : 0;
}

function rotationOf(stream: Json): number {
  const sideData = Array.isArray(stream.side_data_list) ? (stream.side_data_list as Json[]) : [];
  const fromMatrix = sideData.map((s) => num(s.rotation)).find((r) => r !== undefined);
  const fromTag = num((stream.tags as Json | undefined)?.rotate);
  // The display matrix counts counter-clockwise, the legacy `rotate` tag clockwise.
  const clockwise = fromMatrix !== undefined ? -fromMatrix : (fromTag ?? 0);
  return (((Math.round(clockwise / 90) * 90) % 360) + 360) % 360;
}

function kindOf(t: unknown): StreamSummary['kind'] {
  return t === 'video' || t === 'audio' || t === 'subtitle' || t === 'data' || t === 'attachment' ? t : 'unknown';
}

/** Maps ffprobe's `-show_format -show_streams` JSON to a VideoInfo. Pure. */
export function mapFfprobeJson(json: unknown, sizeBytes: number): VideoInfo {
  const root = (json ?? {}) as Json;
  const format = (root.format ?? {}) as Json;
  const rawStreams = Array.isArray(root.streams) ? (root.streams as Json[]) : [];
  const streams: StreamSummary[] = rawStreams.map((s, i) => ({
    index: num(s.index) ?? i,
    kind: kindOf(s.codec_type),
    codec: typeof s.codec_name === 'string' ? s.codec_name : 'unknown',
    attachedPicture: ((s.disposition as Json | undefined)?.attached_pic ?? 0) === 1,
  }));
  const vIdx = streams.findIndex((s) => s.kind === 'video' && !s.attachedPicture);
  const aIdx = streams.findIndex((s) => s.kind === 'audio');
  let video: VideoStreamInfo | undefined;
  if (vIdx >= 0) {
    const s = rawStreams[vIdx]!;
    const width = num(s.width) ?? 0;
    const height = num(s.height) ?? 0;
    const rotation = rotationOf(s);
    const swap = rotation === 90 || rotation === 270;
    video = {
      codec: streams[vIdx]!.codec,
      width,
      height,
      displayWidth: swap ? height : width,
      displayHeight: swap ? width : height,
      fps: parseRate(s.avg_frame_rate) || parseRate(s.r_frame_rate),
      rotation,
      pixelFormat: typeof s.pix_fmt === 'string' ? s.pix_fmt : undefined,
      bitRate: num(s.bit_rate),
    };
  }
  let audio: AudioStreamInfo | undefined;
  if (aIdx >= 0) {
    const s = rawStreams[aIdx]!;
    audio = { codec: streams[aIdx]!.codec, channels: num(s.channels) ?? 0, sampleRate: num(s.sample_rate) ?? 0 };
  }
  const videoDuration = vIdx >= 0 ? num(rawStreams[vIdx]!.duration) : undefined;
  return {
    container: typeof format.format_name === 'string' ? format.format_name : 'unknown',
    sizeBytes,
    durationS: num(format.duration) ?? videoDuration,
    bitRate: num(format.bit_rate),
    streams,
    video,
    audio,
  };
}

/**
 * Seconds of video an upload really holds: the span of its video stream's packets, read by demuxing the
 * whole file without decoding (about 0.1 s for a 30 s 1080p clip). A file cut short after a leading
 * `moov` claims its whole length in the header but its packets stop where the bytes do. Undefined when
 * the demuxer reports no timestamps (the transcoded length is checked after the pass anyway).
 */
export async function demuxedVideoSpanS(
  path: string,
  o: { demuxer: string; streamIndex: number; timeoutMs?: number; memoryBytes?: number },
): Promise<number | undefined> {
  let first = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  const res = await runProcess(
    findExecutable('ffprobe') ?? 'ffprobe',
    // biome-ignore format: flag/value pairs read better side by side
    [
      '-v', 'error', '-protocol_whitelist', 'file', '-format_whitelist', PROBE_FORMATS.join(','), '-f', o.demuxer,
      '-select_streams', String(o.streamIndex), '-show_entries', 'packet=pts_time,dts_time,duration_time',
      '-of', 'csv=p=0', `file:${path}`,
    ],
    {
      timeoutMs: o.timeoutMs ?? 20_000,
      memoryBytes: o.memoryBytes ?? 1024 ** 3,
      onStdoutLine: (line) => {
        const [pts, dts, duration] = line.split(',').map((x) => num(x));
        const at = pts ?? dts;
        if (at === undefined) return;
        first = Math.min(first, at);
        end = Math.max(end, at + (duration ?? 0));
      },
    },
  );
  if (res.timedOut || !Number.isFinite(first) || !Number.isFinite(end)) return undefined;
  return end - first;
}
