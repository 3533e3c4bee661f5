import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectStore } from '../../core/objects/ports.ts';
import { parseMediaPlaylist, playlistComplete, playlistMapUri, startAtBeginning } from './hls.ts';
import { mediaContentType } from './media-keys.ts';

/** What a rung stream has stored so far. */
export interface RungStreamState {
  /** Segments stored and listed by the stored playlist. */
  segments: number;
  /** Their total length, seconds. */
  mediaS: number;
  /** The stored playlist carries `#EXT-X-ENDLIST`. */
  complete: boolean;
}

/** Options of a rung stream. */
export interface RungStreamOptions {
  /**
   * Segments the stored playlist already lists (a run resumed after a crash): the playlist is not stored
   * again until it lists at least as many, so a player that saw it never sees it shrink.
   */
  floorSegments?: number;
  /** Poll period while ffmpeg writes, ms. */
  everyMs?: number;
  /** Called after each store of the playlist (the early publish hangs off it). */
  onStored?: (state: RungStreamState) => Promise<void>;
}

/**
 * Stores one rung while ffmpeg writes it (an EVENT playlist, `segmentingArgs(plan, 'event')`): the
 * initialization segment and every segment the local playlist lists are stored first, then that
 * playlist (with `#EXT-X-START` at 0, so players start at the beginning, not at the live edge). ffmpeg
 * lists a segment only once it is closed and renames the playlist into place, so nothing half-written
 * is read. `finish()` after ffmpeg exits
 * stores the final playlist, with `#EXT-X-ENDLIST`.
 */
export function streamRung(objects: ObjectStore, localDir: string, prefix: string, opts: RungStreamOptions = {}) {
  const floor = opts.floorSegments ?? 0;
  const stored = new Set<string>();
  const state: RungStreamState = { segments: 0, mediaS: 0, complete: false };
  let stopped = false;
  let failure: unknown;

  async function sync(): Promise<void> {
    const text = await readFile(join(localDir, 'index.m3u8'), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (text === undefined) return;
    const segments = parseMediaPlaylist(text);
    const map = playlistMapUri(text);
    const fresh = [...(map ? [{ uri: map }] : []), ...segments].filter((s) => !stored.has(s.uri));
    await Promise.all(
      fresh.map(async (s) => {
        await objects.put(`${prefix}/${s.uri}`, createReadStream(join(localDir, s.uri)), {
          contentType: mediaContentType(s.uri),
        });
        stored.add(s.uri);
      }),
    );
    const complete = playlistComplete(text);
    if (segments.length === state.segments && complete === state.complete) return;
    if (segments.length < floor && !complete) return;
    await objects.put(`${prefix}/index.m3u8`, Buffer.from(startAtBeginning(text)), {
      contentType: mediaContentType('index.m3u8'),
    });
    state.segments = segments.length;
    state.mediaS = segments.reduce((sum, s) => sum + s.durationS, 0);
    state.complete = complete;
    await opts.onStored?.({ ...state });
  }

  const loop = (async () => {
    while (!stopped && failure === undefined) {
      await sync().catch((err: unknown) => {
        failure = err;
      });
      if (!stopped) await new Promise((r) => setTimeout(r, opts.everyMs ?? 100));
    }
  })();

  return {
    /** Stops polling (ffmpeg has exited or failed); rethrows the first store failure. */
    async stop(): Promise<void> {
      stopped = true;
      await loop;
      if (failure !== undefined) throw failure;
    },
    /** Stores what is left and the final playlist; call after `stop()` once the output is checked. */
    async finish(): Promise<RungStreamState> {
      await sync();
      return { ...state };
    },
  };
}

/** The stream's type. */
export type RungStream = ReturnType<typeof streamRung>;
