import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Worker } from '../../../core/queue/ports.ts';
import type { AppDeps } from '../../api/deps.ts';
import { buildTestApp } from '../../api/testing/harness.ts';
import { freePort } from '../../api/testing/live-app.ts';
import { startTranscodeWorker } from '../../media/transcode.worker.ts';

const run = promisify(execFile);

/** The real embedded app listening on loopback with a transcode worker beside it. */
export interface RealApp {
  base: string;
  deps: AppDeps;
  /** Calls the API as a client would; rejects on a non-2xx with the status and body. */
  call<T>(method: string, path: string, opts?: { token?: string; deviceId?: string; body?: unknown }): Promise<T>;
  /** Uploads a file through `POST /api/v1/videos/direct` and returns the new video id. */
  uploadDirect(token: string, file: string, caption: string): Promise<string>;
  /** Polls `GET /api/v1/videos/:id` until the video is ready; throws if it fails or the time runs out. */
  waitReady(token: string, id: string, timeoutMs: number): Promise<void>;
  /** Stops the worker, closes the app and removes its data. Close every client (the browser) first. */
  close(): Promise<void>;
}

/**
 * Builds every area of the real app over the embedded backends (SQLite, local files, memory cache),
 * listens on 127.0.0.1 on a free port and starts one transcode worker. Nothing is faked.
 */
export async function startRealApp(
  name: string,
  opts: { threads?: number; port?: number; publicBaseUrl?: string; firstSegmentS?: number } = {},
): Promise<RealApp> {
  // PUBLIC_BASE_URL is the address it listens on (playback URLs are absolute under it), unless a proxy in
  // front of it (`publicBaseUrl`, e.g. the nginx CDN) is where clients reach it.
  const port = opts.port ?? (await freePort());
  const base = `http://127.0.0.1:${port}`;
  const built = await buildTestApp('embedded', name, { PUBLIC_BASE_URL: opts.publicBaseUrl ?? base });
  let worker: Worker;
  try {
    await built.app.listen({ host: '127.0.0.1', port });
    worker = startTranscodeWorker(built.deps, { threads: opts.threads ?? 1, firstSegmentS: opts.firstSegmentS });
  } catch (err) {
    await built.cleanup().catch(() => {});
    throw err;
  }

  async function call<T>(
    method: string,
    path: string,
    o: { token?: string; deviceId?: string; body?: unknown } = {},
  ): Promise<T> {
    const headers: Record<string, string> = {};
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.deviceId) headers['x-device-id'] = o.deviceId;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers,
      ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  return {
    base,
    deps: built.deps,
    call,
    async uploadDirect(token, file, caption) {
      const form = new FormData();
      // The route reads metadata fields that come before the file part.
      form.append('caption', caption);
      form.append('file', new Blob([await readFile(file)], { type: 'video/mp4' }), 'clip.mp4');
      const res = await fetch(`${base}/api/v1/videos/direct`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: form,
      });
      const text = await res.text();
      if (res.status !== 202) throw new Error(`direct upload answered ${res.status}: ${text}`);
      return (JSON.parse(text) as { video_id: string }).video_id;
    },
    async waitReady(token, id, timeoutMs) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const v = await call<{ status: string; failure_code: string | null }>('GET', `/videos/${id}`, { token });
        if (v.status === 'ready') return;
        if (v.status === 'failed') throw new Error(`video ${id} failed to transcode: ${v.failure_code}`);
        if (Date.now() > until) throw new Error(`video ${id} still ${v.status} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async close() {
      await worker.close().catch(() => {});
      await built.cleanup();
    },
  };
}

/** Writes a small vertical H.264/AAC MP4 (testsrc2 360×640 with a tone) for upload; `filter` tells clips apart. */
export async function makeUploadClip(dir: string, name: string, filter: string, seconds: number): Promise<string> {
  const file = join(dir, `${name}.mp4`);
  // biome-ignore format: an ffmpeg option and its value per pair read better than one per line
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=s=360x640:r=24,${filter}`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-t', String(seconds),
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-preset', 'veryfast',
    '-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart',
    file,
  ], { timeout: 60_000 });
  return file;
}
