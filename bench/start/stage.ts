/**
 * The stage `bench:start` plays on: the real embedded app with its transcode worker, nginx (the media
 * CDN config) in front of it as the only address the browser sees, and a catalogue of ready videos.
 * A few templates are uploaded and transcoded for real; the rest are copies of their files under
 * their own ids, so every video the browser plays has URLs of its own (no cache serves one for another).
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../platform/api/testing/live-app.ts';
import { createSyntheticVideos } from '../../platform/media/synthetic-videos.ts';
import { makeClip, startNginx } from '../../platform/media/testing/media.testkit.ts';
import { videosRepo } from '../../platform/media/videos.repo.ts';
import { type RealApp, startRealApp } from '../../platform/web/testing/real-app.ts';

/** One uploaded template: its source size, length and how hard its picture is to encode. */
export interface TemplateSpec {
  width: number;
  height: number;
  durationS: number;
  /** Temporal noise strength over the test pattern (camera-like bit rates instead of a flat pattern's). */
  noise: number;
}

/** What the browser needs: the edge's address and what was made. */
export interface Stage {
  /** The nginx edge: page, API and media all through it. */
  edge: string;
  app: RealApp;
  videoIds: string[];
  /** Per template: its renditions as the worker stored them. */
  templates: { id: string; durationMs: number; renditions: { name: string; bandwidth: number }[] }[];
  /** Seconds the template transcodes took (upload to whole ladder stored). */
  transcodeS: number;
  close(): Promise<void>;
}

interface FeedPage {
  items: { id: string }[];
  next_cursor: string | null;
}

/** Starts app + worker + nginx, uploads the templates, copies them to `videos` videos, warms the edge. */
export async function buildStage(
  templates: readonly TemplateSpec[],
  videos: number,
  opts: { firstSegmentS?: number } = {},
): Promise<Stage> {
  const dir = await mkdtemp(join(tmpdir(), 'foryou-bench-start-'));
  // nginx workers may run as nobody: a prefix of its own under /tmp, reachable by them.
  const nginxDir = await mkdtemp(join(tmpdir(), 'foryou-bench-start-nginx-'));
  const [originPort, edgePort] = [await freePort(), await freePort()];
  const edge = `http://127.0.0.1:${edgePort}`;
  let app: RealApp | undefined;
  let nginx: { proc: ChildProcess } | undefined;
  const close = async () => {
    if (nginx && nginx.proc.exitCode === null) {
      nginx.proc.kill('SIGTERM');
      await once(nginx.proc, 'exit');
    }
    await app?.close();
    await rm(dir, { recursive: true, force: true });
    await rm(nginxDir, { recursive: true, force: true });
  };
  try {
    app = await startRealApp('bench-start', {
      threads: 2,
      port: originPort,
      publicBaseUrl: edge,
      firstSegmentS: opts.firstSegmentS,
    });
    nginx = await startNginx(nginxDir, `127.0.0.1:${originPort}`, { port: edgePort });
    const { token } = await app.call<{ token: string }>('POST', '/auth/register', {
      body: { handle: 'start_bench', password: 'correct horse battery', display_name: 'Start Bench' },
    });
    const started = performance.now();
    const templateIds: string[] = [];
    for (const [i, t] of templates.entries()) {
      const file = await makeClip(join(dir, `t${i}.mp4`), {
        width: t.width,
        height: t.height,
        durationS: t.durationS,
        extra: ['-vf', `noise=alls=${t.noise}:allf=t`],
      });
      templateIds.push(await app.uploadDirect(token, file, `template ${i}`));
    }
    for (const id of templateIds) await waitWholeLadder(app, id);
    const transcodeS = (performance.now() - started) / 1000;

    // Many creators: For You caps how many videos of one creator a page holds.
    const creators: string[] = [];
    for (let i = 0; i < 12; i++) {
      const c = await app.call<{ user: { id: string } }>('POST', '/auth/register', {
        body: { handle: `start_creator_${i}`, password: 'correct horse battery', display_name: `Creator ${i}` },
      });
      creators.push(c.user.id);
    }
    const repo = videosRepo(app.deps.metadata);
    const rows = await Promise.all(templateIds.map(async (id) => (await repo.get(id))!));
    const copies = await createSyntheticVideos(
      app.deps,
      Array.from({ length: videos - templateIds.length }, (_, i) => ({
        authorId: creators[i % creators.length]!,
        templateId: templateIds[i % templateIds.length]!,
        caption: `start bench video ${i}`,
        hashtags: ['bench'],
      })),
      { copyMedia: true },
    );
    const videoIds = [...templateIds, ...copies];
    await waitInFeed(app, videoIds.length);
    await warmEdge(app, edge);
    return {
      edge,
      app,
      videoIds,
      templates: rows.map((r) => ({
        id: r.id,
        durationMs: r.durationMs ?? 0,
        renditions: r.renditions.map((x) => ({ name: x.name, bandwidth: x.bandwidth })),
      })),
      transcodeS,
      close,
    };
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}

/** Waits until the transcode job has stored every rung (the video is published at its lowest first). */
async function waitWholeLadder(app: RealApp, id: string): Promise<void> {
  const repo = videosRepo(app.deps.metadata);
  const until = Date.now() + 10 * 60_000;
  for (;;) {
    const v = await repo.get(id);
    if (v?.status === 'failed') throw new Error(`template ${id} failed: ${v.failureCode} ${v.failureDetail}`);
    if (v?.status === 'ready' && v.renditions.length > 1) return;
    if (v?.status === 'ready' && v.width !== null && Math.min(v.width, v.height ?? 0) <= 360) return;
    if (Date.now() > until) throw new Error(`template ${id} still ${v?.status} after 10 min`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The feed serves from a catalogue refreshed every few seconds: waits until fresh devices have been shown
 * every video (For You does not serve a device what it served it before, so each try is a new device).
 */
async function waitInFeed(app: RealApp, count: number): Promise<void> {
  const until = Date.now() + 90_000;
  const seen = new Set<string>();
  for (let attempt = 0; ; attempt++) {
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const feed: FeedPage = await app.call<FeedPage>('GET', `/feed?limit=50${q}`, {
        deviceId: `start-probe-${attempt}`,
      });
      for (const it of feed.items) seen.add(it.id);
      cursor = feed.next_cursor;
      if (!cursor || feed.items.length === 0) break;
    }
    if (seen.size >= count) return;
    if (Date.now() > until) throw new Error(`the feed showed ${seen.size} of ${count} videos in 90 s`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** Fetches every public media file once through nginx, as trending videos are kept warm at the edge. */
async function warmEdge(app: RealApp, edge: string): Promise<void> {
  const keys = await app.deps.objects.list('videos/');
  let next = 0;
  const lane = async () => {
    for (let k = keys[next++]; k !== undefined; k = keys[next++]) {
      const res = await fetch(`${edge}/media/${k}`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`warming ${k}: ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
}
