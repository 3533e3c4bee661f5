/**
 * Shared setup for the media integration tests: real ports on temp files (or the test S3 server), a
 * fastify app with the media routes, clip generation with ffmpeg, and polling helpers.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { systemClock } from '../../../core/clock.ts';
import { type Config, testConfig } from '../../../core/config/config.ts';
import { newId } from '../../../core/ids.ts';
import { openMetadataStore } from '../../../core/metadata/open.ts';
import { openObjectStore } from '../../../core/objects/open.ts';
import { openJobQueue } from '../../../core/queue/open.ts';
import { Telemetry } from '../../../core/telemetry/telemetry.ts';
import { waitFor as waitForCondition } from '../../../core/testing/wait-for.ts';
import type { AppDeps } from '../../api/deps.ts';
import { installErrorHandling } from '../../api/error-handler.ts';
import { objectsRoutes } from '../../api/objects.routes.ts';
import { findExecutable } from '../child-process.ts';
import { uploadGate } from '../drafts.ts';
import { originRoutes } from '../origin.routes.ts';
import { TRANSCODE_QUEUE, transcodeJobId } from '../transcode.jobs.ts';
import { type VideoRow, videosRepo } from '../videos.repo.ts';
import { videosRoutes } from '../videos.routes.ts';

const run = promisify(execFile);

/** The ports the media area uses, opened on a fresh temp dir, plus what a test needs to clean up. */
export interface MediaTestEnv {
  dir: string;
  config: Config;
  deps: AppDeps;
  cleanup(): Promise<void>;
}

/** The environment of a transcode worker process spawned on `env`'s stores, its temp files under `tmpDir`. */
export function workerProcessEnv(env: MediaTestEnv, tmpDir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    TMPDIR: tmpDir,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: env.dir,
    SIGNING_SECRET: env.config.SIGNING_SECRET,
    PUBLIC_BASE_URL: env.config.PUBLIC_BASE_URL,
    METADATA_URL: env.config.METADATA_URL,
    OBJECTS_URL: env.config.OBJECTS_URL,
    QUEUE_URL: env.config.QUEUE_URL,
  };
}

/** Opens metadata (SQLite file), queue (SQLite file) and objects (`file` in the dir, or a fresh S3 bucket). */
export async function openMediaTestEnv(
  objectsKind: 'file' | 's3' = 'file',
  overrides: Record<string, string> = {},
): Promise<MediaTestEnv> {
  const dir = await mkdtemp(join(tmpdir(), 'foryou-media-test-'));
  let objectsUrl = pathToFileURL(join(dir, 'objects')).href;
  if (objectsKind === 's3') {
    const base = process.env.TEST_S3_URL;
    if (!base) throw new Error('TEST_S3_URL is unset: the vitest global setup starts core/testing/s3.server.ts');
    const u = new URL(base);
    u.host = `media-${randomBytes(5).toString('hex')}`;
    objectsUrl = u.href;
  }
  const config = testConfig({
    DATA_DIR: dir,
    SIGNING_SECRET: randomBytes(32).toString('hex'),
    PUBLIC_BASE_URL: 'http://127.0.0.1:8080',
    METADATA_URL: `sqlite://${join(dir, 'foryou.db')}`,
    OBJECTS_URL: objectsUrl,
    QUEUE_URL: `sqlite://${join(dir, 'queue.db')}?pollMs=100`,
    ...overrides,
  });
  const secret = config.SIGNING_SECRET!;
  const metadata = await openMetadataStore(config.METADATA_URL);
  await metadata.migrate();
  const objects = await openObjectStore(config.OBJECTS_URL, { publicBaseUrl: config.PUBLIC_BASE_URL, secret });
  const queue = await openJobQueue(config.QUEUE_URL);
  // Events and cache are not used by the media routes; the app under test never touches them.
  const telemetry = new Telemetry({ level: 'silent', processMetrics: false });
  const deps = { config, secret, metadata, objects, queue, clock: systemClock, telemetry } as unknown as AppDeps;
  return {
    dir,
    config,
    deps,
    async cleanup() {
      await Promise.allSettled([queue.close(), objects.close()]);
      await metadata.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Header that signs a test request in as a user (the lead's bearer-token hook does this in the real app). */
export const TEST_USER_HEADER = 'x-test-user';

/** A fastify app with the media routes as `buildApp` mounts them: videos under /api/v1, origin and objects at the root. */
export async function buildMediaApp(
  deps: AppDeps,
  opts: { onRequest?: (method: string, url: string) => void } = {},
): Promise<FastifyInstance> {
  // Tests may leave a response half-read (a probe that stops after one frame); close must not wait for it.
  const app = Fastify({ logger: false, routerOptions: { maxParamLength: 200 }, forceCloseConnections: true });
  if (opts.onRequest) {
    const see = opts.onRequest;
    app.addHook('onRequest', async (request) => see(request.method, request.url));
  }
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  app.decorateRequest('user', undefined);
  app.addHook('onRequest', async (request) => {
    const id = request.headers[TEST_USER_HEADER];
    if (typeof id === 'string') request.user = { id, handle: `h${id.slice(-6)}`, role: 'user' };
  });
  await app.register(videosRoutes(deps), { prefix: '/api/v1' });
  await app.register(
    originRoutes({ ...deps, edgeTtlS: deps.config.MEDIA_EDGE_TTL_S, accessCacheMs: deps.config.MEDIA_ACCESS_CACHE_MS }),
  );
  await app.register(
    objectsRoutes({ objects: deps.objects, secret: deps.secret, acceptsUpload: uploadGate(deps.metadata) }),
  );
  await app.ready();
  return app;
}

/** A user id (users rows are not needed by the media area). */
export const newUserId = () => newId();

/** Records that `a` follows `b`. */
export async function follow(deps: AppDeps, a: string, b: string): Promise<void> {
  await deps.metadata.run('INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3)', [
    a,
    b,
    Date.now(),
  ]);
}

/** Options for a synthetic clip. */
export interface ClipSpec {
  width: number;
  height: number;
  durationS: number;
  fps?: number;
  audio?: boolean;
  /** Extra output args, e.g. a container flag. */
  extra?: string[];
  /** Video codec args instead of H.264 ultrafast. */
  codec?: string[];
}

/** Writes a test-pattern clip with a sine tone (H.264 ultrafast + AAC, MP4) to `path`. */
export async function makeClip(path: string, spec: ClipSpec): Promise<string> {
  const fps = spec.fps ?? 30;
  const args = [
    '-nostdin',
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=s=${spec.width}x${spec.height}:r=${fps}:d=${spec.durationS}`,
  ];
  if (spec.audio !== false) args.push('-f', 'lavfi', '-i', `sine=f=440:d=${spec.durationS}`);
  args.push(...(spec.codec ?? ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p']));
  if (spec.audio !== false) args.push('-c:a', 'aac', '-b:a', '48k', '-shortest');
  args.push(...(spec.extra ?? []), path);
  await run('ffmpeg', args);
  return path;
}

/** Polls `fn` until it returns a defined value or `timeoutMs` passes (then throws with `what`). */
export function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<T> {
  return waitForCondition(what, fn, timeoutMs, everyMs);
}

/** ffprobe's view of a (local or http) media URL: format name and streams, or an error. */
export async function ffprobeJson(url: string): Promise<{
  format: { format_name: string; duration?: string };
  streams: { codec_type: string; codec_name: string; width?: number; height?: number }[];
}> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-of', 'json', '-show_format', '-show_streams', url]);
  return JSON.parse(stdout);
}

/** Creates a video through the API, uploads `file` to its signed URL and completes it; returns the video id. */
export async function uploadThroughApi(
  app: FastifyInstance,
  userId: string,
  body: Buffer,
  meta: Record<string, unknown> = {},
): Promise<string> {
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/videos',
    headers: { [TEST_USER_HEADER]: userId },
    payload: { caption: 'test clip', ...meta },
  });
  if (created.statusCode !== 201) throw new Error(`POST /videos: ${created.statusCode} ${created.body}`);
  const { video_id, upload_url, upload_headers } = created.json() as {
    video_id: string;
    upload_url: string;
    upload_headers: Record<string, string>;
  };
  const target = new URL(upload_url);
  if (target.pathname.startsWith('/objects/')) {
    // The file store's signed URL points at our own API: send it to the app under test.
    const put = await app.inject({
      method: 'PUT',
      url: target.pathname + target.search,
      headers: upload_headers,
      payload: body,
    });
    if (put.statusCode >= 300) throw new Error(`PUT upload: ${put.statusCode} ${put.body}`);
  } else {
    const put = await fetch(upload_url, { method: 'PUT', headers: upload_headers, body: new Uint8Array(body) });
    if (!put.ok) throw new Error(`PUT upload: ${put.status} ${await put.text()}`);
  }
  const done = await app.inject({
    method: 'POST',
    url: `/api/v1/videos/${video_id}/complete`,
    headers: { [TEST_USER_HEADER]: userId },
  });
  if (done.statusCode !== 202) throw new Error(`complete: ${done.statusCode} ${done.body}`);
  return video_id;
}

/**
 * Waits until the video has failed, or is ready with its whole ladder (a video is published at its
 * lowest rung first; the transcode job completes once every rung is stored), and returns its row.
 */
export function waitSettled(deps: AppDeps, id: string, timeoutMs = 120_000): Promise<VideoRow> {
  const repo = videosRepo(deps.metadata);
  return waitFor(
    `video ${id} to be ready with its ladder, or failed`,
    async () => {
      const v = await repo.get(id);
      if (v?.status === 'failed') return v;
      if (v?.status !== 'ready') return undefined;
      const job = await deps.queue.getJob(TRANSCODE_QUEUE, transcodeJobId(id, v.version));
      return job?.status === 'completed' ? ((await repo.get(id)) ?? v) : undefined;
    },
    timeoutMs,
  );
}

/** A multipart body as `app.inject` takes it, built by the platform's own FormData encoder. */
export async function multipartBody(
  fields: Record<string, string>,
  file?: { name: string; type: string; body: Buffer },
): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file) form.append('file', new Blob([new Uint8Array(file.body)], { type: file.type }), file.name);
  const req = new Request('http://local/', { method: 'POST', body: form });
  return {
    payload: Buffer.from(await req.arrayBuffer()),
    headers: { 'content-type': req.headers.get('content-type')! },
  };
}

const START_SH = new URL('../../../infra/nginx/start.sh', import.meta.url).pathname;

/** A port free right now on 127.0.0.1 (nginx needs a number in its config, not port 0). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Starts the CDN config in front of `origin` (on `port`, or a free one); resolves once it answers. */
export async function startNginx(
  prefix: string,
  origin: string,
  opts: { port?: number } = {},
): Promise<{ base: string; proc: ChildProcess }> {
  if (!findExecutable('nginx')) throw new Error('nginx is not installed: run scripts/install-media.sh');
  const port = opts.port ?? (await freePort());
  const proc = spawn(
    'bash',
    [START_SH, '--prefix', prefix, '--listen', `127.0.0.1:${port}`, '--origin', origin, '--workers', '1'],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    'nginx to listen',
    async () => {
      if (proc.exitCode !== null) throw new Error(`nginx exited with ${proc.exitCode}`);
      try {
        await (await fetch(`${base}/nginx-probe`)).arrayBuffer();
        return true;
      } catch {
        return undefined;
      }
    },
    15_000,
    50,
  );
  return { base, proc };
}
