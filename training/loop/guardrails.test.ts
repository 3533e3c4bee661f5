import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assignArm } from '../../ab/assign.ts';
import { RunningExperiments } from '../../ab/runtime.ts';
import { readState } from '../../ab/state.ts';
import { openEventLog } from '../../core/events/open.ts';
import {
  assignArms,
  EXPERIMENTS_DIR,
  loadFeedConfig,
  settingsFor,
  withExperiments,
} from '../../feed/for-you/config.ts';
import { feedSettingsSlots } from '../../feed/for-you/pipelines.ts';
import { VALUE_MODEL_SETTINGS } from '../../feed/for-you/scorers/value-model.settings.ts';
import { settingsOf } from '../../feed/pipeline/settings.ts';
import { ENGAGEMENT_TOPIC } from '../../platform/engagement/events.ts';
import { type ServedItem, writeServed } from '../../platform/engagement/serve-log.ts';
import { DecisionLog } from '../registry/decisions.ts';
import { openRegistry } from '../registry/open.ts';
import { type CanarySite, canaryExperiment, endCanary, runningCanary, startCanary } from './canary.ts';
import { checkCanary } from './guardrails.ts';

const dir = mkdtempSync(join(tmpdir(), 'foryou-canary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T = Date.UTC(2026, 0, 5);
const MIN = 60_000;
const EXP = canaryExperiment('ranker');

/** A platform folder and a copy of the feed settings, as the API would read them. */
function site(name: string): CanarySite {
  const feedConfigDir = join(dir, name, 'config');
  cpSync(EXPERIMENTS_DIR, feedConfigDir, { recursive: true });
  return { dataDir: join(dir, name, 'data'), feedConfigDir, share: 0.1 };
}

describe('canary split and its guardrails', () => {
  it('rolls back a canary whose viewers stop watching and promotes one as good as control, comparing arms over the same window', async () => {
    const s = site('verdicts');
    const { registry, close } = await openRegistry({
      metadataUrl: `sqlite://${join(dir, 'meta.db')}`,
      objectsUrl: `file://${join(dir, 'objects')}`,
    });
    const eventsUrl = `sqlite://${join(dir, 'events.db')}`;
    const log = await openEventLog(eventsUrl);
    try {
      const decisions = new DecisionLog(registry.db);
      const register = (version: string) =>
        registry.register({
          metadata: { name: 'ranker', version, family: 'ranker', featureNames: [], dims: {}, dataHash: 'h' },
          files: { 'weights.bin': Buffer.alloc(4) },
        });
      await register('v1');
      await registry.promote('ranker', 'v1', { force: true });
      let clock = T;
      const policy = { minImpressions: 200, minViewers: 20, maxRelativeDrop: 0.1, maxImpressions: 50_000 };
      const args = {
        metadata: registry.db,
        eventsUrl,
        registry,
        decisions,
        name: 'ranker',
        site: s,
        policy,
        now: () => clock,
      };

      // Serves a day of traffic from `at`: each bucketed viewer 10 items, control by v1, canary by `version`;
      // a viewer's share of long views is 0.6–0.8 on v1 and `canaryLong(u)` on the canary.
      let seq = 0;
      const serveDay = async (version: string, at: number, canaryLong: (u: number) => number) => {
        const c = runningCanary(s, 'ranker')!;
        const served: ServedItem[] = [];
        const events: { key: string; value: unknown }[] = [];
        for (let u = 0; u < 1500; u++) {
          const user = `user${u}`;
          const arm = assignArm({ experiment: c.experiment, range: c.state.range }, `u:${user}`);
          if (!arm) continue;
          const long = arm === 'canary' ? canaryLong(u) : 0.6 + 0.1 * (u % 3);
          for (let i = 0; i < 10; i++) {
            const videoId = `vid${seq++}`;
            const servedAt = at + (u * 10 + i) * 1000;
            served.push({
              requestId: `r${videoId}`,
              position: 0,
              userId: user,
              videoId,
              modelVersion: arm === 'canary' ? `ranker@${version}` : 'ranker@v1',
              indexVersion: 'content-10',
              propensity: null,
              features: { [`arm:${EXP}:${arm}`]: 1 },
              servedAt,
            });
            const lv = i < Math.round(long * 10);
            events.push({
              key: user,
              value: {
                v: 1,
                id: `e${videoId}`,
                type: lv ? 'complete' : 'skip',
                actor: `u:${user}`,
                userId: user,
                videoId,
                ts: servedAt + 1000,
                watchMs: lv ? 20_000 : 500,
                durationMs: 20_000,
              },
            });
          }
        }
        await writeServed(registry.db, served);
        await log.append(ENGAGEMENT_TOPIC, events);
        return served;
      };

      // A bad canary: its viewers long-view 0–20 % of items.
      await register('v2');
      startCanary(s, 'ranker', 'v2', { actor: 'trainer-loop', now: T });
      expect((await checkCanary(args)).verdict).toBe('hold');
      const served = await serveDay('v2', T + MIN, (u) => 0.1 * (u % 3));
      // One control item served by the canary version (a bug it must name, never count as control).
      const leak = served.find((x) => x.features[`arm:${EXP}:control`] === 1)!;
      await writeServed(registry.db, [{ ...leak, requestId: 'leak', modelVersion: 'ranker@v2' }]);
      // The version started serving with its first item anywhere (here the leaked one).
      const firstServed = Math.min(
        leak.servedAt,
        ...served.filter((x) => x.modelVersion === 'ranker@v2').map((x) => x.servedAt),
      );
      clock = T + 3 * 3_600_000;
      const bad = await checkCanary(args);
      expect(bad.verdict).toBe('rolled_back');
      expect(bad.controlServedCanary).toBe(1);
      expect(bad.control!.viewers).toBeGreaterThanOrEqual(100);
      expect(bad.canary!.viewers).toBeGreaterThanOrEqual(100);
      expect(bad.canary!.longViewRate).toBeCloseTo(0.1, 1);
      expect(bad.difference!.ci[1]).toBeLessThan(-0.1 * bad.control!.longViewRate);
      expect(bad.rollbackS).toBeCloseTo((clock - firstServed) / 1000, 6);
      expect(readState(s.dataDir)[EXP]).toMatchObject({ status: 'stopped', stopped_at: clock });
      expect(runningCanary(s, 'ranker')).toBeUndefined();
      expect((await registry.byStage('ranker', 'production'))?.version).toBe('v1');
      const rolled = (await decisions.list('ranker', 'v2')).at(-1)!;
      expect(rolled).toMatchObject({ action: 'rolled_back', actor: 'canary-guardrails' });
      expect(rolled.reason).toMatch(/worse than control/);
      expect(rolled.details.rollback_s).toBe(bad.rollbackS);
      expect((await checkCanary(args)).verdict).toBe('none');

      // A good canary: the same long views as control, over its own window (v2's traffic is not counted).
      await register('v3');
      startCanary(s, 'ranker', 'v3', { actor: 'trainer-loop', now: T + 4 * 3_600_000 });
      await serveDay('v3', T + 5 * 3_600_000, (u) => 0.6 + 0.1 * (u % 3));
      clock = T + 8 * 3_600_000;
      const good = await checkCanary(args);
      expect(good.verdict).toBe('promoted');
      expect(good.controlServedCanary).toBe(0);
      expect(good.difference!.ci[0]).toBeGreaterThan(-0.1 * good.control!.longViewRate);
      expect((await registry.byStage('ranker', 'production'))?.version).toBe('v3');
      expect(readState(s.dataDir)[EXP]?.status).toBe('stopped');
      const promoted = (await decisions.list('ranker', 'v3')).map((d) => [d.action, d.actor]);
      // Recorded in the same millisecond, so listed in either order.
      expect(promoted.sort()).toEqual([
        ['canary_passed', 'canary-guardrails'],
        ['promoted', 'canary-guardrails'],
      ]);
      expect((await decisions.list('ranker', 'v3')).find((d) => d.action === 'promoted')!.details.previous).toBe('v1');
    } finally {
      await log.close();
      await close();
    }
  }, 60_000);

  it('serves the canary version to the canary arm only: never to its control arm or anyone outside, and to nobody once ended', () => {
    const s = site('contract');
    const state = startCanary(s, 'ranker', 'v9', { actor: 'trainer-loop', now: T }).state;
    expect(state.range[1] - state.range[0]).toBeCloseTo(0.2);
    const slots = feedSettingsSlots();
    const base = loadFeedConfig(slots, s.feedConfigDir);
    const running = new RunningExperiments({
      dir: join(s.feedConfigDir, 'ab'),
      dataDir: s.dataDir,
      refreshMs: 0,
      onError: (err) => {
        throw err;
      },
    });
    const served = (config: typeof base) => {
      const counts = { canary: 0, control: 0, outside: 0 };
      for (let i = 0; i < 5000; i++) {
        const arms = assignArms(config, `u:viewer${i}`);
        const arm = arms.find((a) => a.experiment === EXP)?.arm;
        const version = settingsOf(settingsFor(config, arms), VALUE_MODEL_SETTINGS).ranker_version;
        if (arm === 'canary') {
          expect(version).toBe('v9');
          counts.canary++;
        } else {
          expect(version).not.toBe('v9');
          counts[arm === 'control' ? 'control' : 'outside']++;
        }
      }
      return counts;
    };
    const during = served(withExperiments(base, running.current().experiments));
    // About 10 % of viewers on the canary, as many in control.
    expect(during.canary / 5000).toBeGreaterThan(0.08);
    expect(during.canary / 5000).toBeLessThan(0.12);
    expect(during.control / 5000).toBeGreaterThan(0.08);
    expect(during.control / 5000).toBeLessThan(0.12);
    endCanary(s, 'ranker', 'test over', T + MIN);
    const after = served(withExperiments(base, running.current().experiments));
    expect(after.canary + after.control).toBe(0);
  });
});
