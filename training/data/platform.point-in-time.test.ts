import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEventLog } from '../../core/events/open.ts';
import { openMetadataStore } from '../../core/metadata/open.ts';
import { FEATURE_NAMES } from '../../feature-store/definitions.ts';
import { ENGAGEMENT_TOPIC } from '../../platform/engagement/events.ts';
import { buildRankingInputs } from './features.ts';
import { loadPlatformDataset } from './platform.loader.ts';

const dir = mkdtempSync(join(tmpdir(), 'foryou-pit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T = Date.UTC(2026, 0, 5);
const MIN = 60_000;
const idx = (name: string) => FEATURE_NAMES.indexOf(name as (typeof FEATURE_NAMES)[number]);

type Ev = { type: string; actor: string; videoId: string; ts: number; watchMs?: number; durationMs?: number };

/** A platform with one 20 s video and the given engagement log; the ranking inputs built from it, by (actor, time). */
async function inputsOf(name: string, events: Ev[]) {
  const metadataUrl = `sqlite://${join(dir, `${name}.meta.db`)}`;
  const eventsUrl = `sqlite://${join(dir, `${name}.events.db`)}`;
  const db = await openMetadataStore(metadataUrl);
  await db.migrate();
  await db.run(
    `INSERT INTO users (id, handle, display_name, password_hash, created_at) VALUES ('creator', 'cr', 'Cr', 'x', 1)`,
  );
  for (const v of ['v1', 'v2'])
    await db.run(
      `INSERT INTO videos (id, author_id, privacy, status, duration_ms, hashtags, created_at)
       VALUES ($1, 'creator', 'public', 'ready', 20000, '["cats"]', $2)`,
      [v, T - 3_600_000],
    );
  await db.close();
  const log = await openEventLog(eventsUrl);
  await log.append(
    ENGAGEMENT_TOPIC,
    events.map((e, i) => ({ key: e.actor, value: { v: 1, id: `${name}-e${i}`, ...e } })),
  );
  await log.close();
  const ds = await loadPlatformDataset({ metadataUrl, eventsUrl, holdoutShare: 0.1 });
  const inputs = buildRankingInputs(ds);
  const all = [...inputs.train, ...inputs.validation, ...inputs.test];
  const users = new Map(ds.users.map((u, i) => [i, u.externalId]));
  return new Map(all.map((x) => [`${users.get(x.example.user)}@${x.example.timeMs}`, x.features] as const));
}

describe('training examples from the platform log are point in time', () => {
  it("a like and long views after an impression do not reach that impression's features; they do reach later ones", async () => {
    const before: Ev[] = [
      { type: 'impression', actor: 'u:bob', videoId: 'v1', ts: T, durationMs: 20_000 },
      { type: 'skip', actor: 'u:bob', videoId: 'v1', ts: T + 2_000, watchMs: 1_500, durationMs: 20_000 },
      { type: 'impression', actor: 'u:dan', videoId: 'v2', ts: T + MIN, durationMs: 20_000 },
    ];
    // After bob's impression, twenty viewers watch v1 to the end and like it; then carol is shown v1.
    const after: Ev[] = [];
    for (let i = 0; i < 20; i++) {
      const at = T + (10 + i) * MIN;
      after.push(
        { type: 'impression', actor: `u:fan${i}`, videoId: 'v1', ts: at, durationMs: 20_000 },
        { type: 'complete', actor: `u:fan${i}`, videoId: 'v1', ts: at + 20_000, watchMs: 20_000, durationMs: 20_000 },
        { type: 'like', actor: `u:fan${i}`, videoId: 'v1', ts: at + 21_000 },
      );
    }
    const carol: Ev = { type: 'impression', actor: 'u:carol', videoId: 'v1', ts: T + 60 * MIN, durationMs: 20_000 };
    const quiet = await inputsOf('quiet', [...before, { ...carol }]);
    const busy = await inputsOf('busy', [...before, ...after, { ...carol }]);

    const bobQuiet = quiet.get(`u:bob@${T}`)!;
    const bobBusy = busy.get(`u:bob@${T}`)!;
    expect(bobQuiet).toBeDefined();
    expect([...bobBusy]).toEqual([...bobQuiet]);

    // The same engagement does reach carol's later impression of v1, so the comparison above can fail.
    const carolQuiet = quiet.get(`u:carol@${carol.ts}`)!;
    const carolBusy = busy.get(`u:carol@${carol.ts}`)!;
    expect(carolBusy[idx('v_log_impressions_7d')]!).toBeGreaterThan(carolQuiet[idx('v_log_impressions_7d')]!);
    expect([...carolBusy]).not.toEqual([...carolQuiet]);
  });
});
