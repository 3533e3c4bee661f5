import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectStore } from '../../core/objects/ports.ts';
import { dashManifest } from './dash.ts';
import { masterPlaylist, measureBandwidth, parseMediaPlaylist, playlistComplete, type Variant } from './hls.ts';
import type { LadderPlan, Rung } from './ladder.ts';
import { mediaContentType, mediaKeys } from './media-keys.ts';
import type { Rendition } from './videos.repo.ts';

// Storing what a transcode pass wrote: its folders into the object store, and the master playlist
// over the rungs stored so far, with each rung's bandwidth measured from its stored segments.

/** Runs `tasks` with at most `limit` at once; the first failure aborts the rest and is rethrown. */
async function runPool(tasks: ((signal: AbortSignal) => Promise<void>)[], limit: number): Promise<void> {
  const abort = new AbortController();
  let next = 0;
  let failure: unknown;
  const lane = async () => {
    while (next < tasks.length && failure === undefined) {
      const task = tasks[next++]!;
      try {
        await task(abort.signal);
      } catch (err) {
        if (failure === undefined) failure = err;
        abort.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, lane));
  if (failure !== undefined) throw failure;
}

/** Uploads every file of `dir` under `prefix`, playlists last so a listed segment always exists. */
export async function uploadDir(objects: ObjectStore, dir: string, prefix: string): Promise<void> {
  const files = (await readdir(dir)).sort();
  const ordered = [...files.filter((f) => !f.endsWith('.m3u8')), ...files.filter((f) => f.endsWith('.m3u8'))];
  const segments = ordered.filter((f) => !f.endsWith('.m3u8'));
  await runPool(
    segments.map((f) => async () => {
      await objects.put(`${prefix}/${f}`, createReadStream(join(dir, f)), { contentType: mediaContentType(f) });
    }),
    8,
  );
  for (const f of ordered.filter((x) => x.endsWith('.m3u8'))) {
    await objects.put(`${prefix}/${f}`, await readFile(join(dir, f)), { contentType: mediaContentType(f) });
  }
}

/** Measured variant of a stored rung: reads its playlist and sizes its segments in the store. */
async function storedVariant(objects: ObjectStore, plan: LadderPlan, rung: Rung, playlistKey: string, uri: string) {
  const text = (await objects.getBuffer(playlistKey)).toString('utf8');
  const dir = playlistKey.slice(0, playlistKey.lastIndexOf('/'));
  const listed = parseMediaPlaylist(text);
  const segments = await Promise.all(
    listed.map(async (s) => {
      const info = await objects.head(`${dir}/${s.uri}`);
      if (!info) throw new Error(`segment ${dir}/${s.uri} listed in ${playlistKey} is missing`);
      return { durationS: s.durationS, bytes: info.size };
    }),
  );
  const bw = measureBandwidth(segments);
  const variant: Variant = {
    uri,
    bandwidth: bw.peak,
    averageBandwidth: bw.average,
    width: rung.width,
    height: rung.height,
    codecs: plan.hasAudio ? `${rung.codecs},mp4a.40.2` : rung.codecs,
    frameRate: plan.fps,
  };
  return { variant, complete: playlistComplete(text), durationsS: listed.map((s) => s.durationS) };
}

/**
 * Writes the master playlist over the given rungs (measured from the store) and returns their renditions;
 * once every one of them is finished, the DASH manifest over the same files beside it.
 */
export async function publishMaster(
  objects: ObjectStore,
  video: { id: string; version: number },
  plan: LadderPlan,
  rungs: readonly Rung[],
): Promise<Rendition[]> {
  const { id, version } = video;
  const stored = await Promise.all(
    rungs.map((r) =>
      storedVariant(objects, plan, r, mediaKeys.rungPlaylist(id, version, r.name), `${r.name}/index.m3u8`),
    ),
  );
  const variants = stored.map((s) => s.variant);
  if (stored.every((s) => s.complete)) {
    const mpd = dashManifest({
      durationS: Math.max(...stored.map((s) => s.durationsS.reduce((a, b) => a + b, 0))),
      fps: plan.fps,
      representations: rungs.map((r, i) => ({
        id: r.name,
        bandwidth: variants[i]!.bandwidth,
        width: r.width,
        height: r.height,
        codecs: variants[i]!.codecs,
        segmentDurationsS: stored[i]!.durationsS,
      })),
    });
    await objects.put(mediaKeys.dash(id, version), Buffer.from(mpd), { contentType: mediaContentType('x.mpd') });
  }
  // The master last: a player that reads it finds every playlist it lists.
  await objects.put(mediaKeys.master(id, version), Buffer.from(masterPlaylist(variants)), {
    contentType: mediaContentType('master.m3u8'),
  });
  return rungs.map((r, i) => ({
    name: r.name,
    width: r.width,
    height: r.height,
    bandwidth: variants[i]!.bandwidth,
    average_bandwidth: variants[i]!.averageBandwidth,
    codecs: variants[i]!.codecs,
    playlist_key: mediaKeys.rungPlaylist(id, version, r.name),
  }));
}
