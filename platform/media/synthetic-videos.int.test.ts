import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveApp, startLiveApp } from '../api/testing/live-app.ts';
import { ForyouClient } from '../client/index.ts';
import { makeUploadClip } from '../web/testing/real-app.ts';
import { createSyntheticVideos, SyntheticCatalogueError } from './synthetic-videos.ts';

describe('synthetic videos (the simulator fast mode)', () => {
  let app: LiveApp;
  let dir: string;
  let creator: ForyouClient;
  let template: string;
  beforeAll(async () => {
    app = await startLiveApp('synthetic-videos');
    dir = mkdtempSync(join(tmpdir(), 'foryou-synth-'));
    creator = new ForyouClient({ baseUrl: app.base });
    await creator.register('synth_creator', 'a long password');
    const clip = await makeUploadClip(dir, 't', 'hue=h=30', 1);
    template = (await creator.upload(new Uint8Array(readFileSync(clip)), { hashtags: ['cats'] })).videoId;
    await creator.waitReady(template, { timeoutMs: 60_000 });
  }, 90_000);
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates ready videos that play the template media and are flagged synthetic', async () => {
    const authorId = creator.user!.id;
    const ids = await createSyntheticVideos(
      app.deps,
      Array.from({ length: 3 }, (_, i) => ({
        authorId,
        templateId: template,
        caption: `s${i}`,
        hashtags: ['cooking'],
      })),
      { batch: 2 },
    );
    expect(ids).toHaveLength(3);
    const v = await creator.video(ids[2]!);
    expect(v).toMatchObject({ status: 'ready', hashtags: ['cooking'], caption: 's2', author_id: authorId });
    const row = await app.deps.metadata.get('SELECT synthetic FROM videos WHERE id = $1', [ids[2]!]);
    expect(Number(row?.synthetic)).toBe(1);
    const master = await fetch(new URL(v.playback!.master_url, app.base));
    expect(master.status).toBe(200);
    const text = await master.text();
    const rung = text.split('\n').find((l) => l.endsWith('.m3u8'))!;
    expect(rung).toContain(`../../${template}/v1/`);
    expect((await fetch(new URL(rung, master.url))).status).toBe(200);
    // Stamped in plan order across batches, so the newest-first order does not hang on the ids' random part.
    const stamps = [];
    for (const id of ids)
      stamps.push(
        Number((await app.deps.metadata.get('SELECT created_at FROM videos WHERE id = $1', [id]))?.created_at),
      );
    expect(stamps[1]).toBeGreaterThan(stamps[0]!);
    expect(stamps[2]).toBeGreaterThan(stamps[1]!);
  });

  it('with copyMedia, gives each video its own copy of the files under its own prefix', async () => {
    const [id] = await createSyntheticVideos(
      app.deps,
      [{ authorId: creator.user!.id, templateId: template, caption: 'copy', hashtags: ['cats'] }],
      { copyMedia: true },
    );
    const v = await creator.video(id!);
    const master = await fetch(new URL(v.playback!.master_url, app.base));
    const rung = (await master.text()).split('\n').find((l) => l.endsWith('.m3u8'))!;
    expect(rung).not.toContain('..');
    const playlist = await fetch(new URL(rung, master.url));
    expect(playlist.url).toContain(`/media/videos/${id}/v1/`);
    const segment = (await playlist.text()).split('\n').find((l) => l.endsWith('.m4s'))!;
    const [mine, theirs] = await Promise.all([
      fetch(new URL(segment, playlist.url)).then((r) => r.arrayBuffer()),
      fetch(new URL(`/media/videos/${template}/v1/${rung.replace('index.m3u8', segment)}`, app.base)).then((r) =>
        r.arrayBuffer(),
      ),
    ]);
    expect(Buffer.from(mine).equals(Buffer.from(theirs))).toBe(true);
    expect(v.playback!.poster_url).toContain(`/media/videos/${id}/v1/thumbs/poster.jpg`);
  });

  it('refuses a store that holds real uploads besides the templates', async () => {
    const clip = await makeUploadClip(dir, 'r', 'hue=h=60', 1);
    const real = (await creator.upload(new Uint8Array(readFileSync(clip)), { hashtags: ['music'] })).videoId;
    await creator.waitReady(real, { timeoutMs: 60_000 });
    await expect(
      createSyntheticVideos(app.deps, [
        { authorId: creator.user!.id, templateId: template, caption: 'x', hashtags: ['cats'] },
      ]),
    ).rejects.toBeInstanceOf(SyntheticCatalogueError);
  }, 90_000);
});
