import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEventLog } from '../../core/events/open.ts';
import { ENGAGEMENT_TOPIC } from '../../platform/engagement/events.ts';
import { type ServedItem, writeServed } from '../../platform/engagement/serve-log.ts';
import { DecisionLog } from '../registry/decisions.ts';
import { openRegistry } from '../registry/open.ts';
import { checkCanary } from './guardrails.ts';

const dir = mkdtempSync(join(tmpdir(), 'foryou-canary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T = Date.UTC(2026, 0, 5);
const MIN = 60_000;

describe('canary guardrails', () => {
  it('holds without traffic, rolls back a version whose viewers stop watching, and logs who did it', async () => {
    const { registry, close } = await openRegistry({
      metadataUrl: `sqlite://${join(dir, 'meta.db')}`,
      objectsUrl: `file://${join(dir, 'objects')}`,
    });
    const eventsUrl = `sqlite://${join(dir, 'events.db')}`;
    const log = await openEventLog(eventsUrl);
    try {
      const decisions = new DecisionLog(registry.db);
      const meta = (version: string) => ({
        name: 'ranker',
        version,
        family: 'ranker',
        featureNames: [],
        dims: {},
        dataHash: 'h',
      });
      for (const [version, previous] of [
        ['v1', null],
        ['v2', 'v1'],
      ] as const) {
        await registry.register({ metadata: meta(version), files: { 'weights.bin': Buffer.alloc(4) } });
        await registry.promote('ranker', version, { force: true });
        await decisions.record({
          name: 'ranker',
          version,
          action: 'promoted',
          actor: 'trainer-loop',
          reason: 'test',
          details: { previous },
        });
      }
      const policy = { minImpressions: 200, maxRelativeDrop: 0.1 };
      const args = { metadata: registry.db, eventsUrl, registry, decisions, name: 'ranker', policy };
      expect((await checkCanary(args)).verdict).toBe('hold');

      // v1 served 300 items that were watched to the end; v2 300 that were skipped at once.
      const served: ServedItem[] = [];
      const events: { key: string; value: unknown }[] = [];
      for (let i = 0; i < 600; i++) {
        const v2 = i >= 300;
        const user = `user${i % 30}`;
        const videoId = `vid${i}`;
        const at = T + i * MIN;
        served.push({
          requestId: `r${i}`,
          position: 0,
          userId: user,
          videoId,
          modelVersion: v2 ? 'ranker@v2' : 'ranker@v1',
          indexVersion: 'content-10',
          propensity: null,
          features: {},
          servedAt: at,
        });
        const watchMs = v2 ? 500 : 20_000;
        events.push({
          key: user,
          value: {
            v: 1,
            id: `e${i}`,
            type: v2 ? 'skip' : 'complete',
            actor: `u:${user}`,
            userId: user,
            videoId,
            ts: at + 1000,
            watchMs,
            durationMs: 20_000,
          },
        });
      }
      await writeServed(registry.db, served);
      await log.append(ENGAGEMENT_TOPIC, events);

      const verdict = await checkCanary(args);
      expect(verdict.verdict).toBe('rollback');
      expect(verdict.control!.longViewRate.mean).toBeGreaterThan(0.9);
      expect(verdict.candidate!.longViewRate.mean).toBeLessThan(0.1);
      expect((await registry.byStage('ranker', 'production'))?.version).toBe('v1');
      const last = (await decisions.list('ranker')).at(-1)!;
      expect(last).toMatchObject({ version: 'v2', action: 'rolled_back', actor: 'canary-guardrails' });
      // v1 is production again and was already judged by its own traffic: a pass, recorded once.
      expect((await checkCanary(args)).verdict).toBe('pass');
      expect((await checkCanary(args)).verdict).toBe('none');
    } finally {
      await log.close();
      await close();
    }
  }, 30_000);
});
