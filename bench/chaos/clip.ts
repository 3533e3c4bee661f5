import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A 1 s 160x120 test-pattern clip with a tone (H.264 + AAC in MP4): what chaos uploads send. */
export function makeClip(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'foryou-chaos-clip-'));
  try {
    const path = join(dir, 'clip.mp4');
    execFileSync('ffmpeg', [
      ...['-nostdin', '-v', 'error', '-y'],
      ...['-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=15:d=1'],
      ...['-f', 'lavfi', '-i', 'sine=f=440:d=1'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'],
      ...['-c:a', 'aac', '-b:a', '32k', '-shortest', path],
    ]);
    return readFileSync(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
