/**
 * The end-to-end run against the one-machine topology (`bash scripts/topology.sh up`), every request
 * through nginx: sign-up, follow, upload -> ready -> in the followers' feed -> a For You page from the
 * retrieval service's index -> likes -> counters, and a media playlist through the CDN. API process 1 is killed with SIGKILL while likes are being written
 * and started again afterwards. Passes when no request failed beyond the client's retry (up to 6
 * attempts on a refused connection or a 502/503/504), every acknowledged like is counted, and every
 * upload is ready and in the feed. `npm run test:topology` brings the topology up, runs this, and
 * takes it down.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = process.env.TOPOLOGY_DIR ?? '/tmp/foryou-topology';
const env = Object.fromEntries(
  readFileSync(join(dir, 'topology.env'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('='))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).replace(/^'(.*)'$/, '$1')]),
);
const base = env.PUBLIC_BASE_URL!;
const stats = { requests: 0, retried: 0, failed: 0 };
const log = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
  /** Whether an earlier attempt may have reached a process that died before answering. */
  retried: boolean;
}

/** One request with the client's retry: a refused connection or a 502/503/504 is tried again, 6 times at most. */
async function call(method: string, path: string, o: { token?: string; json?: unknown; form?: FormData } = {}) {
  stats.requests++;
  let retried = false;
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
          ...(o.json !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: o.form ?? (o.json !== undefined ? JSON.stringify(o.json) : undefined),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      if (![502, 503, 504].includes(res.status) || attempt === 6) {
        if (res.status >= 500) stats.failed++;
        const body = text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : { text };
        return { status: res.status, body, headers: res.headers, retried } satisfies Answer;
      }
    } catch (err) {
      if (attempt === 6) {
        stats.failed++;
        throw err;
      }
    }
    retried = true;
    stats.retried++;
    await sleep(250 * attempt);
  }
}

/** A 1 s 160x120 test-pattern clip with a tone (H.264 + AAC in MP4). */
function makeClip(): Buffer {
  const tmp = mkdtempSync(join(tmpdir(), 'foryou-topology-clip-'));
  try {
    const path = join(tmp, 'clip.mp4');
    execFileSync('ffmpeg', [
      ...['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=15:d=1'],
      ...['-f', 'lavfi', '-i', 'sine=f=440:d=1', '-c:v', 'libx264', '-preset', 'ultrafast'],
      ...['-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '32k', '-shortest', path],
    ]);
    return readFileSync(path);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

interface User {
  id: string;
  token: string;
  handle: string;
}

async function signUp(handle: string): Promise<User> {
  const password = 'topology password';
  const r = await call('POST', '/api/v1/auth/register', { json: { handle, password } });
  // A retried sign-up whose first attempt went through finds the handle taken: then it signs in.
  if (r.status === 409 && r.retried) {
    const l = await call('POST', '/api/v1/auth/login', { json: { handle, password } });
    assert.equal(l.status, 200, `login ${handle}: ${JSON.stringify(l.body)}`);
    return { id: (l.body.user as { id: string }).id, token: l.body.token as string, handle };
  }
  assert.equal(r.status, 201, `register ${handle}: ${JSON.stringify(r.body)}`);
  return { id: (r.body.user as { id: string }).id, token: r.body.token as string, handle };
}

async function waitUntil(what: string, limitMs: number, done: () => Promise<boolean>): Promise<number> {
  const t0 = Date.now();
  while (!(await done())) {
    if (Date.now() - t0 > limitMs) throw new Error(`${what}: not within ${limitMs / 1000} s`);
    await sleep(500);
  }
  return (Date.now() - t0) / 1000;
}

function killApi1(): number {
  const pid = Number(readFileSync(join(dir, 'run', 'api1.pid'), 'utf8'));
  process.kill(pid, 'SIGKILL');
  return pid;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const run = Date.now().toString(36).slice(-5);
  const author = await signUp(`topo_author_${run}`);
  const viewers: User[] = [];
  for (let i = 0; i < 4; i++) viewers.push(await signUp(`topo_viewer_${run}_${i}`));
  for (const v of viewers) {
    const r = await call('POST', `/api/v1/users/${author.id}/follow`, { token: v.token });
    assert.equal(r.status, 200, `follow: ${JSON.stringify(r.body)}`);
  }
  log(`signed up 1 author and ${viewers.length} followers`);

  const clip = makeClip();
  const videos: string[] = [];
  for (let i = 0; i < 3; i++) {
    const form = new FormData();
    form.append('caption', `topology clip ${i} #topology`);
    form.append('privacy', 'public');
    form.append('file', new Blob([new Uint8Array(clip)], { type: 'video/mp4' }), 'clip.mp4');
    const r = await call('POST', '/api/v1/videos/direct', { token: author.token, form });
    assert.equal(r.status, 202, `upload: ${JSON.stringify(r.body)}`);
    videos.push(r.body.video_id as string);
  }
  const readyS = await waitUntil('uploads ready', 180_000, async () => {
    const s = await Promise.all(videos.map((v) => call('GET', `/api/v1/videos/${v}/status`, { token: author.token })));
    for (const x of s) assert.notEqual(x.body.status, 'failed', `upload failed: ${JSON.stringify(x.body)}`);
    return s.every((x) => x.body.status === 'ready');
  });
  log(`3 uploads ready after ${readyS.toFixed(1)} s`);

  const feedS = await waitUntil('uploads in every follower feed', 60_000, async () => {
    for (const v of viewers) {
      const f = await call('GET', '/api/v1/feed?feed_type=following&limit=20', { token: v.token });
      const ids = new Set((f.body.items as { id: string }[]).map((i) => i.id));
      if (!videos.every((id) => ids.has(id))) return false;
    }
    return true;
  });
  log(`in every follower's feed after ${feedS.toFixed(1)} s`);

  // For You goes through the retrieval and ranking services: an index there, and items served.
  let forYou: Record<string, unknown> = {};
  const forYouS = await waitUntil('a For You page from the retrieval service', 60_000, async () => {
    forYou = (await call('GET', '/api/v1/feed?limit=10', { token: viewers[0]!.token })).body;
    return forYou.index_version !== 'none' && (forYou.items as unknown[]).length > 0;
  });
  log(
    `For You: ${(forYou.items as unknown[]).length} items, index ${forYou.index_version}, ranker ${forYou.model_version}, after ${forYouS.toFixed(1)} s`,
  );

  // Likes from every viewer on every video, with API process 1 killed a third of the way through.
  const liked = new Map(videos.map((v) => [v, new Set<string>()]));
  const extra: User[] = [];
  for (let i = 0; i < 12; i++) extra.push(await signUp(`topo_fan_${run}_${i}`));
  const likers = [...viewers, ...extra];
  let killed = 0;
  const pairs = likers.flatMap((u) => videos.map((v) => [u, v] as const));
  await Promise.all(
    Array.from({ length: 4 }, async (_, lane) => {
      for (let i = lane; i < pairs.length; i += 4) {
        if (lane === 0 && !killed && i >= pairs.length / 3) {
          killed = killApi1();
          log(`killed API process 1 (pid ${killed}) with SIGKILL mid-run`);
        }
        const [u, v] = pairs[i]!;
        const r = await call('POST', `/api/v1/videos/${v}/like`, { token: u.token });
        if (r.status === 200) liked.get(v)!.add(u.id);
      }
    }),
  );
  assert.ok(killed > 0, 'API process 1 was killed');

  // Counters: the flushed like counts equal the acknowledged likes within 60 s.
  const countersS = await waitUntil('like counters equal to the acknowledged likes', 60_000, async () => {
    // The profile grid's cards carry the counters (GET /videos/:id does not).
    const r = await call('GET', `/api/v1/users/${author.id}/videos?limit=50`, { token: author.token });
    assert.equal(r.status, 200, `profile videos: ${JSON.stringify(r.body)}`);
    const likes = new Map(
      (r.body.items as { id: string; stats: { likes: number } }[]).map((c) => [c.id, c.stats.likes]),
    );
    return videos.every((v) => likes.get(v) === liked.get(v)!.size);
  });
  log(`like counters equal to the ${pairs.length} acknowledged likes after ${countersS.toFixed(1)} s`);

  // The CDN: the master playlist of a public video through nginx, twice; the second is a cache hit.
  const item = (await call('GET', `/api/v1/videos/${videos[0]}`, { token: author.token })).body;
  const master = new URL((item.playback as { master_url: string }).master_url);
  const first = await call('GET', master.pathname + master.search);
  const second = await call('GET', master.pathname + master.search);
  assert.equal(first.status, 200, 'master playlist through the CDN');
  log(
    `master playlist through nginx: ${first.headers.get('x-cache-status')} then ${second.headers.get('x-cache-status')}`,
  );

  log(
    `requests ${stats.requests}, retried ${stats.retried}, failed beyond retry ${stats.failed}, likes lost ${
      pairs.length - [...liked.values()].reduce((a, s) => a + s.size, 0)
    }, ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
  assert.equal(stats.failed, 0, 'no request failed beyond the client retry');
  assert.equal(
    [...liked.values()].reduce((a, s) => a + s.size, 0),
    pairs.length,
    'every like acknowledged',
  );
  log('test:topology passed');
}

main().catch((err) => {
  process.stderr.write(`test:topology FAILED: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
