import { describe, expect, it } from 'vitest';
import { planLadder } from './ladder.ts';
import { passArgs, rungEncoder } from './ladder-pass.ts';
import { planThumbnails } from './thumbnails.ts';

const plan = planLadder({ displayWidth: 1080, displayHeight: 1920, fps: 30, hasAudio: true });
const thumbs = planThumbnails(1080, 1920, 30);
const base = { imagesDir: '/w/thumbs', thumbs, durationS: 30, threads: 2, preset: 'veryfast' };

describe('passArgs', () => {
  it('decodes once and feeds one scaler and encoder per rung from a split', () => {
    const args = passArgs(plan, {
      ...base,
      rungs: plan.rungs.slice(1).map((rung) => ({ rung, outDir: `/w/${rung.name}` })),
    });
    const graph = args[args.indexOf('-filter_complex') + 1]!;
    expect(graph.startsWith('[0:v]split=3[r0][r1][r2];')).toBe(true);
    expect(graph).toContain('[r2]scale=1080:1920:flags=bicubic,setsar=1,format=yuv420p[o2]');
    expect(args.filter((a) => a === 'libx264')).toHaveLength(3);
    expect(args.filter((a) => a.endsWith('/index.m3u8'))).toEqual([
      '/w/480p/index.m3u8',
      '/w/720p/index.m3u8',
      '/w/1080p/index.m3u8',
    ]);
    // Capped CRF: a quality target with each rung's own VBV ceiling, never an average bit rate.
    expect(args).not.toContain('-b:v');
    expect(args.filter((_a, i) => args[i - 1] === '-maxrate')).toEqual(plan.rungs.slice(1).map((r) => `${r.maxKbps}k`));
  });

  it('adds the poster, previews and sprite to the pass that asks for them', () => {
    const args = passArgs(plan, {
      ...base,
      rungs: [{ rung: plan.rungs[0]!, outDir: '/w/360p', growing: true }],
      poster: true,
      previewsAndSprite: true,
    });
    const graph = args[args.indexOf('-filter_complex') + 1]!;
    expect(graph.startsWith('[0:v]split=4[r0][p][pv][sp];')).toBe(true);
    // Published while it is made: a growing playlist and a poster that appears whole or not at all.
    expect(args[args.indexOf('-hls_playlist_type') + 1]).toBe('event');
    expect(args[args.indexOf('/w/thumbs/poster.jpg') - 1]).toBe('1');
    expect(args[args.indexOf('/w/thumbs/poster.jpg') - 2]).toBe('-atomic_writing');
    expect(args).toContain('/w/thumbs/preview_%02d.jpg');
    expect(args).toContain('/w/thumbs/sprite.jpg');
  });

  it('encodes 1080p at ultrafast and smaller rungs at the base preset', () => {
    expect(plan.rungs.map((r) => rungEncoder(r, 'veryfast').preset)).toEqual([
      'veryfast',
      'veryfast',
      'veryfast',
      'ultrafast',
    ]);
    expect(rungEncoder(plan.rungs[3]!, 'medium').preset).toBe('medium');
  });

  it('encodes every rung without B-frames, so a paused player moves on at once when played', () => {
    const args = passArgs(plan, { ...base, rungs: plan.rungs.map((rung) => ({ rung, outDir: `/w/${rung.name}` })) });
    expect(args.filter((_a, i) => args[i - 1] === '-bf')).toEqual(['0', '0', '0', '0']);
  });
});
