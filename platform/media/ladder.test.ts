import { describe, expect, it } from 'vitest';
import { avcCodecString, h264Level, planLadder, rungArgs } from './ladder.ts';

const dims = (p: ReturnType<typeof planLadder>) => p.rungs.map((r) => `${r.name}:${r.width}x${r.height}`);

describe('planLadder', () => {
  it('plans four vertical rungs by the short side for a 1080×1920 source', () => {
    const plan = planLadder({ displayWidth: 1080, displayHeight: 1920, fps: 30, hasAudio: true });
    expect(dims(plan)).toEqual(['360p:360x640', '480p:480x854', '720p:720x1280', '1080p:1080x1920']);
    expect(plan.gop).toBe(60);
    expect(plan.segmentS).toBe(2);
    expect(plan.firstSegmentS).toBe(1);
  });

  it('plans landscape rungs with the short side as height', () => {
    const plan = planLadder({ displayWidth: 1920, displayHeight: 1080, fps: 25, hasAudio: false });
    expect(dims(plan)).toEqual(['360p:640x360', '480p:854x480', '720p:1280x720', '1080p:1920x1080']);
    expect(plan.gop).toBe(50);
  });

  it('never plans a rung above the source', () => {
    const plan = planLadder({ displayWidth: 720, displayHeight: 1280, fps: 30, hasAudio: true });
    expect(plan.rungs.map((r) => r.name)).toEqual(['360p', '480p', '720p']);
    const mid = planLadder({ displayWidth: 600, displayHeight: 1000, fps: 30, hasAudio: true });
    expect(mid.rungs.map((r) => r.name)).toEqual(['360p', '480p']);
  });

  it('gives a source below 360p one rung at its own even size with a reduced bitrate', () => {
    const plan = planLadder({ displayWidth: 181, displayHeight: 321, fps: 30, hasAudio: true });
    expect(plan.rungs).toHaveLength(1);
    const r = plan.rungs[0]!;
    expect([r.width % 2, r.height % 2]).toEqual([0, 0]);
    expect(r.width).toBe(182);
    expect(r.height).toBe(322);
    expect(r.videoKbps).toBeLessThan(700);
    expect(r.videoKbps).toBeGreaterThanOrEqual(150);
  });

  it('keeps dimensions even and the aspect ratio within rounding for odd-sized sources', () => {
    const plan = planLadder({ displayWidth: 1079, displayHeight: 1917, fps: 30, hasAudio: true });
    for (const r of plan.rungs) {
      expect(r.width % 2).toBe(0);
      expect(r.height % 2).toBe(0);
      expect(Math.abs(r.width / r.height - 1079 / 1917)).toBeLessThan(0.01);
    }
    expect(plan.rungs.at(-1)!.height).toBeLessThanOrEqual(1918);
  });

  it('halves frame rates above 60 and raises bitrates for high frame rates', () => {
    const plan = planLadder({ displayWidth: 1080, displayHeight: 1920, fps: 120, hasAudio: true });
    expect(plan.fps).toBe(60);
    expect(plan.resampleFps).toBe(true);
    expect(plan.gop).toBe(120);
    expect(plan.rungs[0]!.videoKbps).toBe(1050);
    expect(plan.rungs.at(-1)!.level).toBe('4.2');
  });

  it('rejects a source without dimensions', () => {
    expect(() => planLadder({ displayWidth: 0, displayHeight: 100, fps: 30, hasAudio: false })).toThrow(/positive/);
  });
});

describe('H.264 levels and codec strings', () => {
  it('picks the lowest level that fits the frame size and rate', () => {
    expect(h264Level(360, 640, 30)).toBe('3.0');
    expect(h264Level(480, 854, 30)).toBe('3.1');
    expect(h264Level(720, 1280, 30)).toBe('3.1');
    expect(h264Level(1080, 1920, 30)).toBe('4.0');
    expect(h264Level(1080, 1920, 60)).toBe('4.2');
  });

  it('writes RFC 6381 avc1 strings', () => {
    expect(avcCodecString('main', '3.0')).toBe('avc1.4d401e');
    expect(avcCodecString('high', '4.0')).toBe('avc1.640028');
  });
});

describe('rungArgs', () => {
  it('aligns keyframes on segment boundaries and writes 2 s HLS segments', () => {
    const plan = planLadder({ displayWidth: 1080, displayHeight: 1920, fps: 30, hasAudio: true });
    const args = rungArgs(plan, plan.rungs[2]!, {
      input: '/x',
      demuxer: 'mov',
      outDir: '/o',
      threads: 1,
      preset: 'veryfast',
    });
    const flagValue = (flag: string) => args[args.indexOf(flag) + 1];
    expect(flagValue('-g')).toBe('60');
    expect(flagValue('-keyint_min')).toBe('60');
    expect(flagValue('-sc_threshold')).toBe('0');
    expect(flagValue('-force_key_frames')).toBe('expr:if(eq(n_forced,0),1,gte(t,1+(n_forced-1)*2))');
    // The muxer cuts at the first keyframe past hls_time × segments so far: 1 s, then every 2 s.
    expect(flagValue('-hls_time')).toBe('1');
    expect(flagValue('-c:v')).toBe('libx264');
    expect(flagValue('-c:a')).toBe('aac');
    expect(flagValue('-vf')).toContain('scale=720:1280');
    expect(args.at(-1)).toBe('/o/index.m3u8');
  });

  it('drops audio for a silent source', () => {
    const plan = planLadder({ displayWidth: 360, displayHeight: 640, fps: 30, hasAudio: false });
    const args = rungArgs(plan, plan.rungs[0]!, {
      input: '/x',
      demuxer: 'mov',
      outDir: '/o',
      threads: 1,
      preset: 'veryfast',
    });
    expect(args).toContain('-an');
    expect(args).not.toContain('aac');
  });
});
