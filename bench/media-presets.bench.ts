/**
 * x264 presets per rung, quality against speed: a generated 1080×1920 clip with temporal noise (film-grain
 * like, harder to encode than the plain test pattern; 4 s, `--seconds N`) encoded at every rung with the
 * ladder's own settings (capped CRF 23, the rung's VBV, no B-frames, 2 threads) at each preset. Per
 * encode: encoder CPU seconds (ffmpeg's `-benchmark` rusage minus a decode+scale-only run of the same
 * rung), bit rate, SSIM and PSNR against the source scaled to the rung. Writes
 * bench/results/media-presets.json; `ladder-pass.ts` (`rungEncoder`) takes its presets from it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { planLadder, type Rung } from '../platform/media/ladder.ts';
import { writeResults } from './lib/results.ts';
import { formatTable } from './lib/table.ts';

const run = promisify(execFile);
const arg = (name: string) => process.argv[process.argv.indexOf(name) + 1];
const SECONDS = process.argv.includes('--seconds') ? Number(arg('--seconds')) : 4;
const PRESETS = ['veryfast', 'superfast', 'ultrafast'] as const;

/** ffmpeg with `-benchmark`; returns user+system CPU seconds it reported and its stderr. */
async function ffmpeg(args: string[]): Promise<{ cpuS: number; stderr: string }> {
  const { stderr } = await run('ffmpeg', ['-nostdin', '-hide_banner', '-benchmark', '-y', ...args], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const m = /bench: utime=([\d.]+)s stime=([\d.]+)s/.exec(stderr);
  return { cpuS: m ? Number(m[1]) + Number(m[2]) : Number.NaN, stderr };
}

const scale = (r: Rung) => `scale=${r.width}:${r.height}:flags=bicubic,setsar=1,format=yuv420p`;

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'foryou-presets-'));
  try {
    const src = join(dir, 'source.mp4');
    // Near-lossless source: the reference every rung is compared with, scaled to the rung.
    await ffmpeg([
      ...['-f', 'lavfi', '-i', `testsrc2=s=1080x1920:r=30:d=${SECONDS},noise=alls=8:allf=t+u`],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '8', '-pix_fmt', 'yuv420p', src],
    ]);
    const plan = planLadder({ displayWidth: 1080, displayHeight: 1920, fps: 30, hasAudio: false });
    const rows: Record<string, unknown>[] = [];
    for (const rung of plan.rungs) {
      const base = await ffmpeg(['-threads', '2', '-i', src, '-vf', scale(rung), '-f', 'null', '-']);
      for (const preset of PRESETS) {
        const out = join(dir, `${rung.name}-${preset}.mp4`);
        // biome-ignore format: flag/value pairs read better side by side
        const enc = await ffmpeg([
          '-i', src, '-vf', scale(rung), '-c:v', 'libx264', '-preset', preset, '-profile:v', rung.profile,
          '-crf', '23', '-bf', '0', '-maxrate', `${rung.maxKbps}k`, '-bufsize', `${rung.bufferKbits}k`,
          '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-threads', '2', out,
        ]);
        const compare = (metric: string) =>
          ffmpeg(['-i', out, '-i', src, '-lavfi', `[1:v]${scale(rung)}[ref];[0:v][ref]${metric}`, '-f', 'null', '-']);
        const ssim = /SSIM .*All:([\d.]+)/.exec((await compare('ssim')).stderr)?.[1];
        const psnr = /PSNR .*average:([\d.]+|inf)/.exec((await compare('psnr')).stderr)?.[1];
        const kbps = ((await stat(out)).size * 8) / SECONDS / 1000;
        rows.push({
          rung: rung.name,
          preset,
          encoder_cpu_s: Number((enc.cpuS - base.cpuS).toFixed(2)),
          kbps: Math.round(kbps),
          ssim: ssim ? Number(Number(ssim).toFixed(4)) : null,
          psnr_db: psnr ? Number(Number(psnr).toFixed(2)) : null,
        });
        process.stdout.write(`${rung.name} ${preset} done\n`);
      }
    }
    const cols = ['rung', 'preset', 'encoder_cpu_s', 'kbps', 'ssim', 'psnr_db'];
    process.stdout.write(
      `\n${formatTable(
        cols,
        rows.map((r) => cols.map((c) => r[c] as string | number | null)),
        3,
      )}\n`,
    );
    const path = writeResults('media-presets', {
      clip_s: SECONDS,
      source: 'testsrc2 + temporal noise, 1080×1920',
      rows,
    });
    process.stdout.write(`wrote ${path}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
