import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openEventLog } from '../core/events/open.ts';
import type { EventLog } from '../core/events/ports.ts';
import { ENGAGEMENT_TOPIC } from '../platform/engagement/events.ts';
import { main } from '../scripts/exp.ts';
import { armIndex } from './assign.ts';
import { readExperimentFile } from './config.ts';
import { EXPOSURE_TOPIC } from './exposure.ts';
import { readState } from './state.ts';

const CONFIG = new URL('../experiments/', import.meta.url).pathname;
const FILE = join(CONFIG, 'ab', 'fresh-boost.yaml');

describe('npm run exp against an embedded platform’s data folder', () => {
  const data = mkdtempSync(join(tmpdir(), 'ab-cli-'));
  let log: EventLog | undefined;
  afterAll(async () => log?.close());
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out.push(String(s));
      return true;
    });
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await main([...args, '--data', data, '--config', CONFIG]);
    } finally {
      spy.mockRestore();
      err.mockRestore();
    }
    return out.join('');
  };

  it('starts, shows status from the logs, writes a report and stops', async () => {
    expect(await run('start', FILE)).toMatch(/fresh-boost running since .* in layer feed-ranking/);
    const s = readState(data)['fresh-boost']!;
    // The platform's simulated clock has moved ten minutes on since the start.
    writeFileSync(join(data, 'sim-clock.json'), JSON.stringify({ offset_ms: 600_000 }));
    const e = readExperimentFile(FILE);
    log = await openEventLog(`sqlite://${join(data, 'events.db')}`);
    // 200 viewers exposed one minute after the start, each with 5 impressions watched 3–9 s.
    const t0 = s.started_at + 60_000;
    const exposures = [];
    const events = [];
    for (let u = 0; u < 200; u++) {
      const actor = `u:viewer-${u}`;
      exposures.push({
        key: actor,
        value: { experiment: e.name, arm: e.arms[armIndex(e, actor)]!.name, actor, at: t0 },
        timestamp: t0,
      });
      for (let i = 0; i < 5; i++) {
        const ts = t0 + i * 1000;
        const base = { v: 1, actor, videoId: `video-${i}`, ts };
        events.push({ key: actor, value: { ...base, id: `${u}-${i}-i`, type: 'impression' } });
        events.push({
          key: actor,
          value: {
            ...base,
            id: `${u}-${i}-s`,
            type: 'skip',
            ts: ts + 1,
            watchMs: 3000 + ((u * 7 + i) % 7) * 1000,
            durationMs: 10_000,
          },
        });
      }
    }
    await log.append(EXPOSURE_TOPIC, exposures);
    await log.append(ENGAGEMENT_TOPIC, events);
    const status = await run('status');
    expect(status).toMatch(/fresh-boost: running, .* exposures control \d+ \/ more-fresh \d+, SRM p/);
    expect(status).toMatch(/watch_time_s more-fresh: /);
    const report = await run('report', FILE);
    expect(report).toMatch(/exposures: control \d+, more-fresh \d+/);
    const dir = join(data, 'experiments', 'fresh-boost');
    for (const f of ['report.md', 'report.json', 'effect.svg', 'distribution.svg'])
      expect(existsSync(join(dir, f))).toBe(true);
    const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { exposures: Record<string, number> };
    expect(Object.values(json.exposures).reduce((a, b) => a + b, 0)).toBe(200);
    expect(await run('stop', FILE)).toMatch(/fresh-boost stopped/);
    expect(readState(data)['fresh-boost']?.status).toBe('stopped');
  });
});
