/**
 * How much a user's pre-period watch time can say about their watch time in an experiment, on the
 * simulator's behaviour model alone (no platform, seconds): `npm run bench:sim-activity-check [-- --world
 * world-a --users 2000 --videos 600,3000,20000 --draws 30]`, writing bench/results/sim-activity-check.json.
 *
 * Each user runs `pre` + `post` days of sessions (the world's activity, reactions, returns, drift) on a
 * stand-in feed that, for every slot, serves the best of 30 random *unseen* videos by the user's true
 * affinity (a good recommender that never re-serves, as the platform's feed); the figure is ρ² between
 * the pre-period and experiment-period watch time of the users active in the experiment (the variance
 * share CUPED can remove), with and without the per-person activity, for several catalogue sizes: the
 * ceiling the platform's CUPED figure can approach on that world, and how catalogue exhaustion lowers it.
 * `rho2_reserve`: the same stand-in feed with the platform's re-serve policy (feed/for-you/reserve-policy.ts)
 * in an idealised form: the user's oldest loved video (watched to the end or liked, loved on an earlier
 * day, not seen today) replaces the slot's best unseen draw when, at the user's own discounted re-watch
 * value (`rewatch_factor`), it is worth more to them than that draw (the user has run dry), at most one per
 * page of 10; the simulated user reacts to it as to any repeat.
 */
import { react, returnProbability, sessionsToday, trueAffinity } from '../sim/behaviour.ts';
import { activityToday, drift, makeCatalogue, makeCreators, makeUser, wanderActivity } from '../sim/population.ts';
import { rng } from '../sim/rng.ts';
import { loadWorld, resized, type World } from '../sim/world.ts';
import { argValue, printTable, writeResults } from './report.ts';

const WORLD = argValue('--world') ?? 'world-a';
const USERS = Number(argValue('--users') ?? 2000);
const VIDEOS = (argValue('--videos') ?? '600,3000,20000').split(',').map(Number);
const PRE = 3;
const POST = 2;
const DRAWS = Number(argValue('--draws') ?? 30);

function rho2(world: World, videos: number, reserve = false): { users: number; rho2: number } {
  const w = resized(world, { videos });
  const cat = makeCatalogue(w, makeCreators(w));
  const byKey = new Map(cat.map((v) => [v.key, v]));
  const pre: number[] = [];
  const post: number[] = [];
  for (let i = 0; i < USERS; i++) {
    const u = makeUser(w, i, 0);
    const seen = new Set<number>();
    /** Loved videos (watched to the end or liked) by key, with the day the user last saw them. */
    const loved = new Map<number, number>();
    const lastSeen = new Map<number, number>();
    let active = true;
    const watch: number[] = [];
    for (let d = 0; d < PRE + POST; d++) {
      let secs = 0;
      const fractions: number[] = [];
      if (active) {
        const n = sessionsToday(w, activityToday(w, u, d), d === 0, rng(w.seed, 'check-n', i, d));
        for (let s = 0; s < n; s++) {
          const r = rng(w.seed, 'check-session', i, d, s);
          const topics = new Map<number, number>();
          let reservedOnPage = -1;
          for (let pos = 0; pos < w.session.max_items; pos++) {
            let best = cat[r.int(cat.length)]!;
            for (let k = 1; k < DRAWS; k++) {
              const v = cat[r.int(cat.length)]!;
              if (!seen.has(v.key) && (seen.has(best.key) || trueAffinity(w, u, v) > trueAffinity(w, u, best)))
                best = v;
            }
            if (reserve && reservedOnPage !== Math.floor(pos / 10)) {
              const fresh = seen.has(best.key) ? 0 : trueAffinity(w, u, best);
              for (const [key, day] of loved) {
                if (day >= d || (lastSeen.get(key) ?? -1) >= d) continue;
                const v = byKey.get(key)!;
                if (w.session.rewatch_factor * trueAffinity(w, u, v) > fresh) {
                  best = v;
                  reservedOnPage = Math.floor(pos / 10);
                }
                break;
              }
            }
            const repeat = seen.has(best.key);
            seen.add(best.key);
            lastSeen.set(best.key, d);
            const same = topics.get(best.topic) ?? 0;
            topics.set(best.topic, same + 1);
            const re = react(w, u, best, { position: pos, sameTopicBefore: same, views: 100, repeat }, r);
            secs += re.watchFraction * best.durationS;
            if (re.completed || re.like) loved.set(best.key, d);
            else loved.delete(best.key);
            fractions.push(re.watchFraction);
            if (!re.continues) break;
          }
        }
        const sat = fractions.reduce((a, b) => a + b, 0) / Math.max(1, fractions.length);
        if (fractions.length > 0) active = rng(w.seed, 'check-return', i, d).chance(returnProbability(w, sat));
      } else active = rng(w.seed, 'check-return', i, d).chance(w.return.reactivation);
      watch.push(secs);
      drift(w, u, d);
      wanderActivity(w, u, d);
    }
    const y = watch.slice(PRE).reduce((a, b) => a + b, 0);
    if (y > 0) {
      pre.push(watch.slice(0, PRE).reduce((a, b) => a + b, 0));
      post.push(y);
    }
  }
  const mean = (x: readonly number[]) => x.reduce((a, b) => a + b, 0) / x.length;
  const mx = mean(pre);
  const my = mean(post);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < pre.length; i++) {
    sxy += (pre[i]! - mx) * (post[i]! - my);
    sxx += (pre[i]! - mx) ** 2;
    syy += (post[i]! - my) ** 2;
  }
  return { users: pre.length, rho2: sxy ** 2 / (sxx * syy) };
}

const world = loadWorld(WORLD);
const flat: World = { ...world, activity: { ...world.activity, persistent_var: 0, ar_var: 0, iid_var: 0 } };
const rows = VIDEOS.map((videos) => {
  const withActivity = rho2(world, videos);
  const without = rho2(flat, videos);
  const reserving = rho2(world, videos, true);
  return {
    videos,
    users_in_experiment: withActivity.users,
    rho2: withActivity.rho2,
    rho2_without_activity: without.rho2,
    rho2_reserve: reserving.rho2,
  };
});
printTable(`${WORLD} v${world.version}: ρ² of pre-period (${PRE} d) and experiment (${POST} d) watch time`, rows);
writeResults('sim-activity-check', {
  world: { name: world.name, version: world.version },
  users: USERS,
  pre_days: PRE,
  post_days: POST,
  draws_per_slot: DRAWS,
  rows,
});
