import type { Cache } from '../../core/cache/ports.ts';
import type { SqlExecutor } from '../../core/metadata/ports.ts';
import { openToAnyone } from '../../domain/access.ts';
import { TRENDING_KEY } from '../../feature-store/trending.ts';
import type { BackgroundService } from '../api/background-service.ts';
import { mediaKeys } from './media-keys.ts';
import { mediaBaseUrl } from './playback-urls.ts';

/** Segments of the lowest rendition fetched per video: what a swipe plays in its first seconds. */
const FIRST_SEGMENTS = 2;

/** What one pre-warm pass did. */
export interface PrewarmResult {
  videos: number;
  requests: number;
  failed: number;
}

/** The URLs a player fetches to start a video: master, lowest rendition, its init and first segments. */
export async function startUrls(masterUrl: string, get: (url: string) => Promise<string>): Promise<string[]> {
  const master = await get(masterUrl);
  let best: { bandwidth: number; uri: string } | undefined;
  const lines = master.split('\n').map((l) => l.trim());
  lines.forEach((line, i) => {
    const bw = /^#EXT-X-STREAM-INF:.*?\bBANDWIDTH=(\d+)/.exec(line);
    const uri = lines[i + 1];
    if (bw && uri && !uri.startsWith('#') && (!best || Number(bw[1]) < best.bandwidth))
      best = { bandwidth: Number(bw[1]), uri };
  });
  if (!best) return [masterUrl];
  const playlistUrl = new URL(best.uri, masterUrl).href;
  const playlist = (await get(playlistUrl)).split('\n').map((l) => l.trim());
  const out = [masterUrl, playlistUrl];
  const init = playlist.map((l) => /^#EXT-X-MAP:.*?URI="([^"]+)"/.exec(l)?.[1]).find((u) => u !== undefined);
  if (init) out.push(new URL(init, playlistUrl).href);
  for (const l of playlist.filter((x) => x !== '' && !x.startsWith('#')).slice(0, FIRST_SEGMENTS))
    out.push(new URL(l, playlistUrl).href);
  return out;
}

/**
 * One pass: the top `top` trending videos that anyone may see (the one rule, `openToAnyone`: public
 * media needs no token and may sit in shared caches; nothing else is ever pre-warmed) have their start
 * files requested through `publicBaseUrl`, so a CDN in front caches them before the first swipe.
 */
export async function prewarmPass(
  deps: { cache: Cache; metadata: SqlExecutor; publicBaseUrl: string; fetch?: typeof fetch },
  top: number,
): Promise<PrewarmResult> {
  const f = deps.fetch ?? fetch;
  const ids = (await deps.cache.zRevRange(TRENDING_KEY, 0, top - 1)).map((e) => e.member);
  const result: PrewarmResult = { videos: 0, requests: 0, failed: 0 };
  if (ids.length === 0) return result;
  const rows = await deps.metadata.all<{
    id: string;
    version: number;
    privacy: string;
    author_private: number | boolean;
    moderation: string;
  }>(
    `SELECT id, version, privacy, author_private, moderation FROM videos
      WHERE id IN (${ids.map((_, i) => `$${i + 1}`).join(', ')}) AND status = 'ready' AND deleted_at IS NULL`,
    ids,
  );
  const base = mediaBaseUrl(deps.publicBaseUrl);
  /** Fetches `url` to its end (so the cache stores it); the body as text only for playlists. */
  const fetchThrough = async (url: string): Promise<Response> => {
    result.requests++;
    const res = await f(url, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`${url}: HTTP ${res.status}`);
    }
    return res;
  };
  const get = async (url: string): Promise<string> => (await fetchThrough(url)).text();
  const warm = async (url: string): Promise<void> => {
    await (await fetchThrough(url)).arrayBuffer();
  };
  for (const r of rows) {
    const open = openToAnyone({
      privacy: r.privacy,
      moderation: r.moderation,
      authorPrivate: Number(r.author_private) === 1,
    });
    if (!open) continue;
    try {
      const urls = await startUrls(`${base}${mediaKeys.master(r.id, Number(r.version))}`, get);
      // The master and the rendition playlist were fetched to find the rest; the files follow.
      for (const u of urls.slice(2)) await warm(u);
      result.videos++;
    } catch {
      result.failed++;
    }
  }
  return result;
}

/** The pre-warm as a background service: a pass every CDN_PREWARM_EVERY_S (off at 0) through CDN_PREWARM_URL. */
export const cdnPrewarmService: BackgroundService = {
  name: 'cdn-prewarm',
  async start(deps) {
    const { CDN_PREWARM_EVERY_S, CDN_PREWARM_TOP, CDN_PREWARM_URL, PUBLIC_BASE_URL } = deps.config;
    const publicBaseUrl = CDN_PREWARM_URL ?? PUBLIC_BASE_URL;
    if (CDN_PREWARM_EVERY_S === 0) return { stop: async () => {} };
    const log = deps.telemetry.component('cdn-prewarm');
    const counted = deps.telemetry.counter({
      name: 'foryou_cdn_prewarm_total',
      help: 'CDN pre-warm: videos warmed, requests made and videos that failed',
      labelNames: ['what'],
    });
    let running: Promise<unknown> = Promise.resolve();
    const pass = () => {
      running = running
        .then(() => prewarmPass({ cache: deps.cache, metadata: deps.metadata, publicBaseUrl }, CDN_PREWARM_TOP))
        .then((r) => {
          counted.inc({ what: 'videos' }, r.videos);
          counted.inc({ what: 'requests' }, r.requests);
          counted.inc({ what: 'failed' }, r.failed);
          if (r.failed > 0) log.log.warn(r, 'some trending videos could not be pre-warmed');
        })
        .catch((err) => log.failed(err, 'pre-warm pass failed (a backend outage?); the next tick tries again'));
    };
    pass();
    const timer = setInterval(pass, CDN_PREWARM_EVERY_S * 1000);
    timer.unref();
    return {
      async stop() {
        clearInterval(timer);
        await running;
      },
    };
  },
};
