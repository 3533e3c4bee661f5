export { affinityLift, armsOf, type SimReport } from './report.ts';
export type { Active } from './session.ts';

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ForyouClient } from '../platform/client/index.ts';
import { returnProbability, sessionsToday } from './behaviour.ts';
import { type SimCatalogue, signIn, uploadLatent } from './catalogue.ts';
import { PlatformClock } from './clock.ts';
import { dayOf, newTruth } from './metrics.ts';
import { pool } from './pool.ts';
import {
  activityToday,
  drawVideo,
  drift,
  makeUser,
  onboardingTopics,
  type SimUser,
  type VideoLatent,
  wanderActivity,
} from './population.ts';
import { armsOf, type SimReport } from './report.ts';
import { type Rng, rng } from './rng.ts';
import { type Active, type Engagement, Session } from './session.ts';
import type { ServedTrace } from './trace.ts';
import type { World } from './world.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** What a run is told. */
export interface SimOptions {
  baseUrl: string;
  world: World;
  catalogue: SimCatalogue;
  days: number;
  /** Sessions in flight at once. */
  concurrency?: number;
  /** The experiment whose arm each user is in, read from the feed's `explain.arms` on their first page. */
  armExperiment?: string;
  /** Called after each simulated day (the benchmark trains here); the clock is at the day's end. */
  onDayEnd?: (day: number) => Promise<void>;
  progress?: (e: SimProgress) => void;
  /** Creator uploads during the run (real clips through the API); default true. */
  uploads?: boolean;
  /** Users besides the world's (the demo's persona), arriving on day 0; `everyDay` keeps them active daily. */
  extraUsers?: { user: SimUser; everyDay: boolean }[];
  /** Called for every served item with why it was served (every page is then asked with `explain`): diagnostics. */
  trace?: (row: ServedTrace) => void;
}

/** Progress of a run. */
export interface SimProgress {
  day: number;
  hour: number;
  sessionsDone: number;
  sessionsPlanned: number;
}

/**
 * Drives the platform with simulated users over HTTP for `days` simulated days: each day, users who
 * are active (new, returning, or reactivated) run sessions at random hours; creators upload; between
 * hours the platform's simulated clock is moved forward (when it has one). Everything the users do
 * goes through the typed client; only the ground truth stays here.
 */
export class Simulation {
  readonly #o: SimOptions & { concurrency: number; uploads: boolean };
  readonly #w: World;
  readonly #cat: SimCatalogue;
  readonly #users: Active[] = [];
  readonly #clients: ForyouClient[] = [];
  /** arm → day → creator → impressions. */
  readonly #exposure = new Map<string, number[][]>();
  #clock: PlatformClock | undefined;
  #dayStartMs = 0;
  #uploads = 0;
  readonly #everyDay: Set<string>;
  /** Per video key: views (watched ≥ 2 s or half), likes, comments, shares the simulated users gave. */
  readonly #engagement: Engagement = new Map();
  readonly #session: Session;
  #workDir = '';

  constructor(o: SimOptions) {
    this.#o = { concurrency: 8, uploads: true, ...o };
    this.#w = o.world;
    this.#cat = o.catalogue;
    this.#everyDay = new Set((o.extraUsers ?? []).filter((x) => x.everyDay).map((x) => x.user.handle));
    this.#session = new Session({
      world: o.world,
      catalogue: o.catalogue,
      armExperiment: o.armExperiment,
      trace: o.trace,
      now: () => this.#clock!.now(),
      engagement: this.#engagement,
      countExposure: (a, day, creator) => this.#countExposure(a, day, creator),
    });
  }

  /**
   * The most-popular order of the simulated catalogue by what the simulated users did (the platform's
   * popularity formula: views + 5·likes + 8·comments + 10·shares), most popular first.
   */
  popularOrder(): VideoLatent[] {
    const score = (k: number) => {
      const e = this.#engagement.get(k);
      return e ? e.views + 5 * e.likes + 8 * e.comments + 10 * e.shares : 0;
    };
    return Object.values(this.#cat.videos).sort((a, b) => score(b.key) - score(a.key) || a.key - b.key);
  }

  /** The simulated user with this handle (its latent tastes as they are now). */
  user(handle: string): SimUser | undefined {
    return this.#users.find((a) => a.user.handle === handle)?.user;
  }

  /** Runs every day and returns the report. */
  async run(): Promise<SimReport> {
    const started = performance.now();
    const probe = new ForyouClient({ baseUrl: this.#o.baseUrl });
    this.#clients.push(probe);
    this.#workDir = mkdtempSync(join(tmpdir(), 'foryou-sim-'));
    try {
      this.#clock = new PlatformClock(probe);
      await this.#clock.start();
      this.#dayStartMs = this.#clock.now();
      let nextIndex = 0;
      for (let day = 0; day < this.#o.days; day++) {
        const r = rng(this.#w.seed, 'day', day);
        const arrivals = day === 0 ? this.#w.users.initial : r.poisson(this.#w.users.arrivals_per_day);
        const fresh: SimUser[] = [];
        for (let i = 0; i < arrivals; i++) fresh.push(makeUser(this.#w, nextIndex++, day));
        if (day === 0) fresh.push(...(this.#o.extraUsers ?? []).map((x) => x.user));
        await this.#onboard(fresh);
        await this.#day(day, r);
        await this.#o.onDayEnd?.(day);
        this.#endDay(day);
        this.#dayStartMs += DAY_MS;
      }
    } finally {
      rmSync(this.#workDir, { recursive: true, force: true });
    }
    return this.#report((performance.now() - started) / 1000);
  }

  async #onboard(users: SimUser[]): Promise<void> {
    const made = await pool(users, this.#o.concurrency, async (u) => {
      const client = await signIn(this.#o.baseUrl, u.handle);
      const topics = onboardingTopics(this.#w, u);
      if (topics.length > 0) await client.setInterests(topics.map((t) => this.#w.catalogue.topics[t]!));
      u.userId = client.user!.id;
      return { u, client };
    });
    for (const { u, client } of made) {
      this.#clients.push(client);
      this.#users.push({
        user: u,
        client,
        truth: newTruth(u.index, 'all'),
        seen: new Set(),
        served: 0,
        todayWatch: [],
        activeToday: true,
        returnsTomorrow: false,
      });
    }
  }

  async #day(day: number, r: Rng): Promise<void> {
    const plan: { hour: number; a: Active; n: number }[] = [];
    for (const a of this.#users) {
      if (!a.activeToday) continue;
      const ur = rng(this.#w.seed, 'sessions', a.user.index, day);
      const everyDay = a.user.arrivalDay === day || this.#everyDay.has(a.user.handle);
      const n = sessionsToday(this.#w, activityToday(this.#w, a.user, day), everyDay, ur);
      for (let s = 0; s < n; s++) plan.push({ hour: ur.int(24), a, n: s });
    }
    const uploads: { hour: number; latent: VideoLatent }[] = [];
    if (this.#o.uploads) {
      const count = r.poisson(this.#w.catalogue.uploads_per_day);
      for (let i = 0; i < count; i++)
        uploads.push({ hour: r.int(24), latent: drawVideo(this.#w, this.#cat.creators, this.#cat.nextKey++, day, r) });
    }
    let done = 0;
    for (let hour = 0; hour < 24; hour++) {
      await this.#clock!.moveTo(this.#dayStartMs + hour * HOUR_MS);
      await pool(
        uploads.filter((u) => u.hour === hour),
        2,
        (u) => this.#upload(u.latent),
      );
      // A user's sessions within one hour run one after another; different users run side by side.
      const byUser = new Map<Active, number>();
      for (const p of plan) if (p.hour === hour) byUser.set(p.a, (byUser.get(p.a) ?? 0) + 1);
      await pool([...byUser], this.#o.concurrency, async ([a, n]) => {
        for (let s = 0; s < n; s++) {
          await this.#session.run(a, day, hour, s);
          done++;
        }
      });
      this.#o.progress?.({ day, hour, sessionsDone: done, sessionsPlanned: plan.length });
    }
    await this.#clock!.moveTo(this.#dayStartMs + DAY_MS - 60_000);
  }

  async #upload(latent: VideoLatent): Promise<void> {
    const creator = this.#cat.creators[latent.creator]!;
    const client = await signIn(this.#o.baseUrl, creator.handle);
    const id = await uploadLatent(client, this.#w, latent, this.#workDir);
    this.#cat.videos[id] = latent;
    this.#uploads++;
  }

  #countExposure(a: Active, day: number, creator: number): void {
    if (creator < 0) return;
    const arm = a.arm ?? 'all';
    let byDay = this.#exposure.get(arm);
    if (!byDay) {
      byDay = [];
      this.#exposure.set(arm, byDay);
    }
    while (byDay.length <= day) byDay.push(new Array(this.#cat.creators.length).fill(0));
    byDay[day]![creator]!++;
  }

  #endDay(day: number): void {
    const last = day + 1 >= this.#o.days;
    for (const a of this.#users) {
      const r = rng(this.#w.seed, 'return', a.user.index, day);
      if (a.activeToday && a.todayWatch.length === 0) {
        // A quiet day (no session): still a user tomorrow; churn is decided on days they used the app.
        a.returnsTomorrow = true;
      } else if (a.activeToday) {
        const sat = a.todayWatch.length ? a.todayWatch.reduce((x, y) => x + y, 0) / a.todayWatch.length : 0;
        a.returnsTomorrow = r.chance(returnProbability(this.#w, sat));
        if (!last) {
          const t = dayOf(a.truth, day);
          t.returnChance = true;
          t.returned = a.returnsTomorrow;
        }
      } else a.returnsTomorrow = r.chance(this.#w.return.reactivation);
      drift(this.#w, a.user, day);
      wanderActivity(this.#w, a.user, day);
      a.todayWatch = [];
      a.activeToday = a.returnsTomorrow || this.#everyDay.has(a.user.handle);
    }
  }

  #report(wallS: number): SimReport {
    const exposure = Object.fromEntries(this.#exposure);
    const truths = this.#users.map((a) => a.truth);
    const arms = armsOf({ truths, exposure, creators: this.#cat.creators.length });
    const stats = { requests: 0, retries: 0, errors: 0, error_codes: {} as Record<string, number> };
    for (const c of this.#clients) {
      stats.requests += c.stats.requests;
      stats.retries += c.stats.retries;
      stats.errors += c.stats.errors;
      for (const [code, n] of Object.entries(c.stats.errorCodes))
        stats.error_codes[code] = (stats.error_codes[code] ?? 0) + n;
    }
    return {
      world: { name: this.#w.name, version: this.#w.version, seed: this.#w.seed },
      days: this.#o.days,
      users: this.#users.length,
      via_http: true,
      clock: this.#clock?.simulated ? 'simulated' : 'real',
      arms,
      truths,
      exposure,
      uploads: this.#uploads,
      cost: { wall_s: wallS, ...stats, requests_per_s: stats.requests / Math.max(1e-9, wallS) },
    };
  }
}
