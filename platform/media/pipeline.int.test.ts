import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from '../../core/queue/ports.ts';
import { parseMediaPlaylist } from './hls.ts';
import {
  buildMediaApp,
  ffprobeJson,
  type MediaTestEnv,
  makeClip,
  newUserId,
  openMediaTestEnv,
  TEST_USER_HEADER,
  uploadThroughApi,
  waitFor,
  waitSettled,
} from './testing/media.testkit.ts';
import { TRANSCODE_QUEUE, transcodeJobId } from './transcode.jobs.ts';
import { startTranscodeWorker } from './transcode.worker.ts';

const settled = (env: MediaTestEnv, id: string, timeoutMs = 150_000) => waitSettled(env.deps, id, timeoutMs);

const execFileP = promisify(execFile);

/** Whether a CMAF segment opens on a keyframe: fetched after its initialization segment, as a player does. */
async function firstFrameIsKey(initUrl: string, segmentUrl: string, dir: string): Promise<boolean> {
  const parts = await Promise.all(
    [initUrl, segmentUrl].map(async (u) => Buffer.from(await (await fetch(u)).arrayBuffer())),
  );
  const file = join(dir, `probe-${Math.random().toString(36).slice(2)}.mp4`);
  await writeFile(file, Buffer.concat(parts));
  const { stdout } = await execFileP('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-read_intervals',
    '%+#1',
    '-show_entries',
    'frame=key_frame',
    '-of',
    'csv=p=0',
    file,
  ]);
  return stdout.trim().split('\n')[0]?.split(',')[0] === '1';
}

/** One pipeline over one object store: upload, transcode, and read every rung back with ffprobe over HTTP. */
function describePipeline(kind: 'file' | 's3', clip: { width: number; height: number; rungs: string[] }) {
  describe(`media pipeline over the ${kind} object store`, () => {
    let env: MediaTestEnv;
    let app: FastifyInstance;
    let base: string;
    let worker: Worker;
    const author = newUserId();

    beforeAll(async () => {
      env = await openMediaTestEnv(kind);
      app = await buildMediaApp(env.deps);
      base = await app.listen({ host: '127.0.0.1', port: 0 });
      worker = startTranscodeWorker(env.deps, { threads: 2 });
    });
    afterAll(async () => {
      await worker?.close();
      await app?.close();
      await env?.cleanup();
    });

    it(`transcodes a ${clip.width}×${clip.height} clip into a ladder every rung of which ffprobe can read`, async () => {
      const src = await makeClip(join(env.dir, 'clip.mp4'), { width: clip.width, height: clip.height, durationS: 4 });
      const id = await uploadThroughApi(app, author, await readFile(src), { hashtags: ['#Cats', 'cats', 'dance_2'] });
      const video = await settled(env, id);
      expect([video.status, video.failureCode]).toEqual(['ready', null]);
      expect([video.width, video.height]).toEqual([clip.width, clip.height]);
      expect(video.durationMs).toBeGreaterThan(3900);
      expect(video.hashtags).toEqual(['cats', 'dance_2']);
      expect(video.renditions.map((r) => r.name)).toEqual(clip.rungs);

      const res = await app.inject({
        method: 'GET',
        url: `/api/v1/videos/${id}`,
        headers: { [TEST_USER_HEADER]: author },
      });
      expect(res.statusCode).toBe(200);
      const playback = res.json().playback;
      const path = (url: string) => new URL(url).pathname;

      const master = await fetch(`${base}${path(playback.master_url)}`);
      expect(master.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
      const text = await master.text();
      expect(text.match(/#EXT-X-STREAM-INF:BANDWIDTH=\d+,AVERAGE-BANDWIDTH=\d+,RESOLUTION=\d+x\d+/g)).toHaveLength(
        clip.rungs.length,
      );
      expect(text).toContain('CODECS="avc1.');
      expect(text).toContain(',mp4a.40.2"');

      const probed = await ffprobeJson(`${base}${path(playback.master_url)}`);
      expect(probed.format.format_name).toBe('hls');
      const sizes = new Set(
        probed.streams.filter((s) => s.codec_type === 'video').map((s) => `${s.width}x${s.height}`),
      );
      expect(sizes).toEqual(new Set(video.renditions.map((r) => `${r.width}x${r.height}`)));

      // The DASH manifest beside the master lists the same files: every rendition readable through it.
      const dash = await ffprobeJson(`${base}${path(playback.master_url).replace('master.m3u8', 'manifest.mpd')}`);
      expect(dash.format.format_name).toBe('dash');
      const dashSizes = dash.streams.filter((s) => s.codec_type === 'video').map((s) => `${s.width}x${s.height}`);
      expect(new Set(dashSizes)).toEqual(sizes);
      expect(Number(dash.format.duration)).toBeGreaterThan(3.5);

      for (const r of video.renditions) {
        const rung = await ffprobeJson(`${base}/media/${r.playlist_key}`);
        const v = rung.streams.find((s) => s.codec_type === 'video')!;
        expect([v.codec_name, v.width, v.height]).toEqual(['h264', r.width, r.height]);
        expect(rung.streams.some((s) => s.codec_type === 'audio' && s.codec_name === 'aac')).toBe(true);
        expect(Number(rung.format.duration)).toBeGreaterThan(3.5);
      }

      // Keyframes aligned across rungs: identical segment timelines, each segment opening on a keyframe.
      const timelines = await Promise.all(
        video.renditions.map(async (r) =>
          parseMediaPlaylist(await (await fetch(`${base}/media/${r.playlist_key}`)).text()),
        ),
      );
      for (const t of timelines) expect(t.map((s) => s.durationS)).toEqual(timelines[0]!.map((s) => s.durationS));
      // A short first segment for a fast start, then 2 s segments: 4 s = 1 + 2 + 1.
      const lengths = timelines[0]!.map((s) => s.durationS);
      expect(Math.abs(lengths[0]! - 1) < 0.05).toBe(true);
      expect(lengths.slice(1, -1).every((d) => Math.abs(d - 2) < 0.05)).toBe(true);
      for (const r of [video.renditions[0]!, video.renditions.at(-1)!]) {
        const dir = r.playlist_key.slice(0, r.playlist_key.lastIndexOf('/'));
        for (const seg of timelines[0]!) {
          expect(
            await firstFrameIsKey(`${base}/media/${dir}/init.mp4`, `${base}/media/${dir}/${seg.uri}`, env.dir),
          ).toBe(true);
        }
      }

      const poster = await fetch(`${base}${path(playback.poster_url)}`);
      expect(poster.headers.get('content-type')).toBe('image/jpeg');
      expect((await poster.arrayBuffer()).byteLength).toBeGreaterThan(1000);
      const posterProbe = await ffprobeJson(`${base}${path(playback.poster_url)}`);
      expect(posterProbe.streams[0]!.codec_name).toBe('mjpeg');
      const sprite = await ffprobeJson(`${base}${path(playback.sprite.url)}`);
      expect(sprite.streams[0]!.width).toBe(playback.sprite.cols * playback.sprite.tile_width);
      for (const u of playback.preview_urls) {
        const preview = await fetch(`${base}${path(u)}`);
        expect([preview.status, (await preview.arrayBuffer()).byteLength > 0]).toEqual([200, true]);
      }
    }, 180_000);
  });
}

describePipeline('file', { width: 1080, height: 1920, rungs: ['360p', '480p', '720p', '1080p'] });
describePipeline('s3', { width: 240, height: 426, rungs: ['240p'] });

describe('bad uploads', () => {
  let env: MediaTestEnv;
  let app: FastifyInstance;
  let worker: Worker;
  const author = newUserId();

  beforeAll(async () => {
    env = await openMediaTestEnv('file');
    app = await buildMediaApp(env.deps);
    worker = startTranscodeWorker(env.deps, { threads: 1, jobConcurrency: 2 });
  });
  afterAll(async () => {
    await worker?.close();
    await app?.close();
    await env?.cleanup();
  });

  async function badFiles(): Promise<[string, Buffer, string][]> {
    const clip = await readFile(await makeClip(join(env.dir, 'ok.mp4'), { width: 64, height: 64, durationS: 2 }));
    const long = await makeClip(join(env.dir, 'long.mp4'), {
      width: 48,
      height: 48,
      durationS: 240,
      fps: 1,
      audio: false,
    });
    await makeClip(join(env.dir, 'hls.m3u8'), {
      width: 64,
      height: 64,
      durationS: 2,
      extra: ['-f', 'hls', '-hls_time', '1'],
    });
    await writeFile(join(env.dir, 'notes.txt'), 'Dear diary, this is not a video.\n'.repeat(50));
    // Header first (faststart), samples cut after about a third: the header still says 5 s.
    const whole = await readFile(
      await makeClip(join(env.dir, 'five.mp4'), {
        width: 96,
        height: 160,
        durationS: 5,
        extra: ['-movflags', '+faststart'],
      }),
    );
    // A codec we do not take at a size no one films: the size is what is wrong with it first.
    const wide = await makeClip(join(env.dir, 'wide.avi'), {
      width: 4800,
      height: 64,
      durationS: 1,
      fps: 2,
      audio: false,
      codec: ['-c:v', 'mjpeg'],
    });
    return [
      [
        'an mp4 whose media stops at 1.6 s of the 5 s its header claims',
        whole.subarray(0, Math.floor(whole.length * 0.32)),
        'TRUNCATED_FILE',
      ],
      ['an mjpeg avi of 4800×64', await readFile(wide), 'BAD_DIMENSIONS'],
      ['a text file named .mp4', await readFile(join(env.dir, 'notes.txt')), 'NOT_A_VIDEO'],
      ['a truncated mp4', clip.subarray(0, Math.floor(clip.length / 2)), 'CORRUPT_FILE'],
      ['a 4-minute clip', await readFile(long), 'TOO_LONG'],
      ['a 0-byte file', Buffer.alloc(0), 'EMPTY_FILE'],
      ['an HLS playlist posing as a video', await readFile(join(env.dir, 'hls.m3u8')), 'PLAYLIST_NOT_ALLOWED'],
    ];
  }

  it('fails each bad upload with its own code, at once and without retries', async () => {
    const cases = await badFiles();
    const ids = await Promise.all(cases.map(([, body]) => uploadThroughApi(app, author, body)));
    for (const [i, [what, , code]] of cases.entries()) {
      const video = await settled(env, ids[i]!, 60_000);
      expect({ what, status: video.status, code: video.failureCode }).toEqual({ what, status: 'failed', code });
      // The queue records the failure just after the handler marked the video.
      const job = await waitFor('the job to fail', async () => {
        const j = await env.deps.queue.getJob(TRANSCODE_QUEUE, transcodeJobId(ids[i]!, 1));
        return j?.status === 'active' || j?.status === 'waiting' ? undefined : j;
      });
      expect({ what, status: job?.status, attempts: job?.attempts }).toEqual({ what, status: 'failed', attempts: 1 });
      const mine = await app.inject({
        method: 'GET',
        url: `/api/v1/videos/${ids[i]}`,
        headers: { [TEST_USER_HEADER]: author },
      });
      expect(mine.json()).toMatchObject({ status: 'failed', failure_code: code, playback: null });
      const reason: string = mine.json().failure_reason;
      expect({ what, reason }).toEqual({ what, reason: expect.stringMatching(/^[A-Z].{10,}/) });
      expect(reason).not.toMatch(/0x[0-9a-f]{4,}|\/tmp\/|foryou-transcode|@/);
      expect(reason).not.toContain(env.dir);
      // Rejected sources are deleted at once by default (REJECTED_SOURCE_TTL_S = 0).
      expect({ what, source: await env.deps.objects.head(`uploads/${ids[i]}/source`) }).toEqual({
        what,
        source: undefined,
      });
      const theirs = await app.inject({
        method: 'GET',
        url: `/api/v1/videos/${ids[i]}`,
        headers: { [TEST_USER_HEADER]: newUserId() },
      });
      expect(theirs.statusCode).toBe(404);
    }
  }, 120_000);
});
