import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A generated HLS clip on disk: `<dir>/<name>/master.m3u8` and its media playlist and segments. */
export interface HlsClip {
  name: string;
  dir: string;
}

/**
 * Makes tiny vertical H.264/AAC HLS clips with ffmpeg (test pattern + tone, 1 s segments), each with a
 * master playlist carrying CODECS and RESOLUTION as the transcoder's do. `filters` tell clips apart.
 */
export async function makeHlsClips(root: string, specs: { name: string; filter: string; seconds: number }[]) {
  const clips: HlsClip[] = [];
  for (const s of specs) {
    const dir = join(root, s.name);
    await mkdir(dir, { recursive: true });
    // biome-ignore format: an ffmpeg option and its value per pair, grouped by concern, read better than one per line
    await run('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `testsrc2=s=360x640:r=24,${s.filter}`,
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      '-t', String(s.seconds),
      '-c:v', 'libx264', '-profile:v', 'main', '-pix_fmt', 'yuv420p', '-preset', 'veryfast',
      '-g', '24', '-keyint_min', '24', '-sc_threshold', '0',
      '-c:a', 'aac', '-b:a', '64k', '-ac', '2',
      '-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod',
      '-hls_segment_filename', join(dir, 'seg%03d.ts'),
      '-master_pl_name', 'master.m3u8',
      join(dir, 'index.m3u8'),
    ], { timeout: 60_000 });
    clips.push({ name: s.name, dir });
  }
  return clips;
}
