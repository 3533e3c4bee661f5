/**
 * Origin cost of one segment request, in-process (`inject`, embedded SQLite): a public segment (no
 * token), a friends-only segment whose token's viewer is re-checked with the relation cache on
 * (MEDIA_ACCESS_CACHE_MS=2000, the default), and the same with the cache off (follows and blocks read on
 * every request). Interleaved rounds; mean µs per request with a 95% CI over rounds.
 * `node bench/origin-access.bench.ts [--requests 1000] [--rounds 7]`; writes bench/results/origin-access.json.
 */
import { buildApp } from '../platform/api/app.ts';
import { openTestDeps } from '../platform/api/testing/harness.ts';
import { videosRepo } from '../platform/media/videos.repo.ts';
import { writeResults } from './lib/results.ts';
import { argValue } from './report.ts';

const REQUESTS = Number(argValue('--requests') ?? 1000);
const ROUNDS = Number(argValue('--rounds') ?? 7);
const T95: Record<number, number> = { 3: 4.303, 4: 3.182, 5: 2.776, 6: 2.571, 7: 2.447, 8: 2.365, 10: 2.262 };

const { deps, cleanup } = await openTestDeps('embedded', 'origin-access-bench', {
  EMBEDDED_WORKERS: 'false',
  RATE_LIMIT_USER_PER_MIN: '1000000',
  RATE_LIMIT_IP_PER_MIN: '1000000',
  RATE_LIMIT_AUTH_PER_MIN: '1000000',
});
const cached = (await buildApp({ ...deps, config: { ...deps.config, MEDIA_ACCESS_CACHE_MS: 2000 } })).app;
const uncached = (await buildApp({ ...deps, config: { ...deps.config, MEDIA_ACCESS_CACHE_MS: 0 } })).app;
try {
  const user = async (handle: string) => {
    const r = await cached.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { handle, password: 'a long password' },
    });
    return { id: r.json().user.id as string, auth: { authorization: `Bearer ${r.json().token}` } };
  };
  const owner = await user('owner');
  const friend = await user('friend');
  await cached.inject({ method: 'POST', url: `/api/v1/users/${owner.id}/follow`, headers: friend.auth });
  await cached.inject({ method: 'POST', url: `/api/v1/users/${friend.id}/follow`, headers: owner.auth });
  const video = async (privacy: string) => {
    const r = await cached.inject({ method: 'POST', url: '/api/v1/videos', headers: owner.auth, payload: { privacy } });
    const id = r.json().video_id as string;
    await deps.objects.put(`videos/${id}/v1/96p/seg_00000.ts`, Buffer.alloc(64 * 1024, 0x47));
    const repo = videosRepo(deps.metadata);
    await repo.markProcessing(id);
    await repo.markReady(id, 1, {
      durationMs: 2000,
      width: 96,
      height: 160,
      renditions: [],
      posterKey: 'p',
      now: Date.now(),
    });
    return id;
  };
  const pub = await video('public');
  const fr = await video('friends');
  const got = await cached.inject({ method: 'GET', url: `/api/v1/videos/${fr}`, headers: friend.auth });
  const token = new URL(got.json().playback.master_url).searchParams.get('token');
  const modes = {
    public: { app: cached, url: `/media/videos/${pub}/v1/96p/seg_00000.ts` },
    token_recheck_cached: { app: cached, url: `/media/videos/${fr}/v1/96p/seg_00000.ts?token=${token}` },
    token_recheck_uncached: { app: uncached, url: `/media/videos/${fr}/v1/96p/seg_00000.ts?token=${token}` },
  };
  const perRound: Record<string, number[]> = Object.fromEntries(Object.keys(modes).map((k) => [k, []]));
  for (let round = -1; round < ROUNDS; round++) {
    for (const [name, m] of Object.entries(modes)) {
      const t0 = performance.now();
      for (let i = 0; i < REQUESTS; i++) {
        const res = await m.app.inject({ method: 'GET', url: m.url });
        if (res.statusCode !== 200) throw new Error(`${name}: ${res.statusCode} ${res.body}`);
      }
      // Round -1 warms up the JIT and the caches and is not counted.
      if (round >= 0) perRound[name]!.push(((performance.now() - t0) * 1000) / REQUESTS);
    }
  }
  const summary = Object.fromEntries(
    Object.entries(perRound).map(([k, xs]) => {
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
      const half = ((T95[xs.length] ?? 2) * sd) / Math.sqrt(xs.length);
      return [k, { us_per_request: Math.round(mean), ci95: [Math.round(mean - half), Math.round(mean + half)] }];
    }),
  );
  console.log(JSON.stringify(summary, null, 2));
  writeResults('origin-access', {
    requests_per_round: REQUESTS,
    rounds: ROUNDS,
    segment_bytes: 65536,
    results: summary,
  });
} finally {
  await cached.close();
  await uncached.close();
  await cleanup();
}
