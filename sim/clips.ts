import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Width and height of generated clips: portrait, small, so the ladder has one short rung. */
export const CLIP_SIZE = { width: 180, height: 320 } as const;

/**
 * One look per topic, so a person sees topics on screen: a lavfi pattern with its own colour. The
 * topic's hashtag is written over it when ffmpeg has drawtext and a font.
 */
const LOOKS = [
  'mandelbrot=s={s}:r=15,hue=h=0',
  'life=s={s}:r=15:mold=10:ratio=0.1:death_color=#224466:life_color=#ffcc00',
  'cellauto=s={s}:r=15:rule=110,hue=s=0,lutrgb=r=val*0.3:g=val*0.9:b=val*0.4',
  'testsrc2=s={s}:r=15',
  'gradients=s={s}:r=15:c0=#ff3366:c1=#3366ff:speed=0.05',
  'rgbtestsrc=s={s}:r=15,hue=h=90',
  'smptebars=s={s}:r=15',
  'gradients=s={s}:r=15:c0=#22aa44:c1=#ffee55:speed=0.08',
  'mandelbrot=s={s}:r=15:start_scale=1,hue=h=200',
  'cellauto=s={s}:r=15:rule=30,lutrgb=r=val:g=val*0.2:b=val*0.8',
] as const;

let drawtext: boolean | undefined;

async function hasDrawtext(): Promise<boolean> {
  if (drawtext !== undefined) return drawtext;
  try {
    await run(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-f',
        'lavfi',
        '-i',
        "color=s=64x64:d=0.1,drawtext=text='x'",
        '-f',
        'null',
        '-',
      ],
      { timeout: 20_000 },
    );
    drawtext = true;
  } catch {
    drawtext = false;
  }
  return drawtext;
}

/** What makes a clip. `variant` shifts the colours so clips of one topic differ a little. */
export interface ClipSpec {
  topic: number;
  label: string;
  seconds: number;
  variant: number;
}

/** Writes a small H.264/AAC MP4 for `spec` into `dir` and returns its bytes (the file is removed). */
export async function makeClip(dir: string, name: string, spec: ClipSpec): Promise<Uint8Array<ArrayBuffer>> {
  const size = `${CLIP_SIZE.width}x${CLIP_SIZE.height}`;
  let video = LOOKS[spec.topic % LOOKS.length]!.replaceAll('{s}', size);
  video += `,hue=h=${(spec.variant * 37) % 60}`;
  if (await hasDrawtext()) {
    const text = spec.label.replace(/[^A-Za-z0-9_#]/g, '');
    video += `,drawtext=text='${text}':fontcolor=white:fontsize=26:x=(w-text_w)/2:y=h-70:box=1:boxcolor=black@0.55:boxborderw=6`;
  }
  const file = join(dir, `${name}.mp4`);
  // biome-ignore format: an ffmpeg option and its value per pair read better than one per line
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', video,
    '-f', 'lavfi', '-i', `sine=frequency=${220 + 55 * (spec.topic % 8)}:sample_rate=22050`,
    '-t', String(spec.seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '32k', '-movflags', '+faststart',
    file,
  ], { timeout: 60_000 });
  const bytes = new Uint8Array(await readFile(file));
  await rm(file, { force: true });
  return bytes;
}
