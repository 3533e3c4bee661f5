import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openObjectStore } from '../../core/objects/open.ts';
import type { ObjectStore } from '../../core/objects/ports.ts';
import { type RungStreamState, streamRung } from './rung-stream.ts';

let dir: string;
let objects: ObjectStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'foryou-rung-stream-'));
  objects = await openObjectStore(pathToFileURL(join(dir, 'objects')).href, {
    publicBaseUrl: 'http://127.0.0.1:8080',
    secret: 'x'.repeat(32),
  });
});
afterEach(async () => {
  await objects.close();
  await rm(dir, { recursive: true, force: true });
});

const playlist = (n: number, end = false) =>
  [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    '#EXT-X-TARGETDURATION:2',
    '#EXT-X-PLAYLIST-TYPE:EVENT',
    '#EXT-X-MAP:URI="init.mp4"',
    ...Array.from({ length: n }, (_, i) => [`#EXTINF:${i === 0 ? 1 : 2}.000000,`, `seg_0000${i}.ts`]).flat(),
    ...(end ? ['#EXT-X-ENDLIST'] : []),
    '',
  ].join('\n');

/** What ffmpeg does for segment `i`: the segment file, then the playlist listing it. */
async function writeSegments(local: string, n: number, end = false) {
  await writeFile(join(local, 'init.mp4'), 'init');
  for (let i = 0; i < n; i++) await writeFile(join(local, `seg_0000${i}.ts`), `segment ${i}`);
  await writeFile(join(local, 'index.m3u8'), playlist(n, end));
}

const stored = async (key: string) => (await objects.getBuffer(key).catch(() => undefined))?.toString('utf8');

describe('streamRung', () => {
  it('stores segments before the playlist that lists them, starting players at 0, and finishes with ENDLIST', async () => {
    const local = await mkdtemp(join(dir, 'rung-'));
    const seen: RungStreamState[] = [];
    const stream = streamRung(objects, local, 'videos/v/v1/360p', {
      floorSegments: 2,
      everyMs: 5,
      onStored: async (s) => {
        // Whenever a playlist is stored, every segment it lists is already there.
        const text = (await stored('videos/v/v1/360p/index.m3u8'))!;
        for (const uri of ['init.mp4', ...text.split('\n').filter((l) => l.startsWith('seg_'))]) {
          expect(await stored(`videos/v/v1/360p/${uri}`)).toBeDefined();
        }
        seen.push(s);
      },
    });
    await writeSegments(local, 1);
    await new Promise((r) => setTimeout(r, 40));
    // Below the floor: nothing listed yet.
    expect(await stored('videos/v/v1/360p/index.m3u8')).toBeUndefined();
    await writeSegments(local, 3);
    await new Promise((r) => setTimeout(r, 40));
    const growing = (await stored('videos/v/v1/360p/index.m3u8'))!;
    expect(growing).toContain('#EXT-X-START:TIME-OFFSET=0');
    expect(growing).not.toContain('#EXT-X-ENDLIST');
    await writeSegments(local, 4, true);
    await stream.stop();
    expect(await stream.finish()).toEqual({ segments: 4, mediaS: 7, complete: true });
    expect(await stored('videos/v/v1/360p/index.m3u8')).toContain('#EXT-X-ENDLIST');
    expect(seen.at(0)).toMatchObject({ segments: 3, complete: false });
    expect(seen.at(-1)).toMatchObject({ segments: 4, complete: true });
  });

  it('does not store a shorter playlist than one a player may already hold (a resumed run)', async () => {
    const local = await mkdtemp(join(dir, 'rung-'));
    await objects.put('videos/v/v1/360p/index.m3u8', Buffer.from(playlist(3)));
    const stream = streamRung(objects, local, 'videos/v/v1/360p', { floorSegments: 3, everyMs: 5 });
    await writeSegments(local, 2);
    await new Promise((r) => setTimeout(r, 40));
    await stream.stop();
    expect(await stored('videos/v/v1/360p/index.m3u8')).toBe(playlist(3));
  });
});
