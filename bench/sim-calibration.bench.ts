/**
 * The simulator's activity calibration on KuaiRand-Pure (`npm run bench:sim-calibration [-- --data
 * ../shared/data/kuairand-pure]`), writing bench/results/sim-calibration.json: how unequal and how
 * persistent real users' daily use is (the latent daily impression rate, its CV² and autocorrelation by
 * lag) and the fitted lognormal model the worlds' `activity` block holds (sim/calibration.ts,
 * sim/README.md). The simulator reads the committed numbers, never the data.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calibrate, parseKuaiRandLog } from '../sim/calibration.ts';
import { DEFAULT_KUAIRAND_DIR } from '../training/data/kuairand.loader.ts';
import { argValue, printTable, writeResults } from './report.ts';

const DIR = argValue('--data') ?? DEFAULT_KUAIRAND_DIR;
const FILE = 'log_standard_4_25_to_5_08_pure.csv';
/** 2022-04-25 00:00 Beijing time (UTC+8): the first whole day of the slice, per its README. */
const START_MS = 1_650_816_000_000;
const DAYS = 14;

const rows = parseKuaiRandLog(readFileSync(join(DIR, FILE), 'utf8'));
const c = calibrate(rows, START_MS, DAYS);
const f = (x: number) => x.toFixed(3);
printTable('KuaiRand-Pure: per-user daily activity', [
  { figure: 'users / days / impressions', value: `${c.users} / ${c.days} / ${c.impressions}` },
  {
    figure: 'active-day share mean (p10, p50, p90)',
    value: `${f(c.active_day_share.mean)} (${f(c.active_day_share.p10)}, ${f(c.active_day_share.p50)}, ${f(c.active_day_share.p90)})`,
  },
  { figure: 'P(active tomorrow | active today)', value: f(c.p_active_next_day) },
  { figure: 'latent daily rate CV²', value: f(c.latent_rate.cv2) },
  { figure: 'latent rate autocorrelation, lags 1..10', value: c.latent_rate.acf.map(f).join(' ') },
  { figure: 'week-to-week correlation (raw, latent)', value: `${f(c.week_to_week.raw)}, ${f(c.week_to_week.latent)}` },
  {
    figure: 'fit: persistent var, AR var, AR φ, iid var (rmse)',
    value: `${f(c.fit.persistent_var)}, ${f(c.fit.ar_var)}, ${c.fit.ar_phi}, ${f(c.fit.iid_var)} (${f(c.fit.rmse)})`,
  },
]);
writeResults('sim-calibration', {
  data: { folder: 'kuairand-pure', file: FILE, start_ms: START_MS, days: DAYS },
  ...c,
});
