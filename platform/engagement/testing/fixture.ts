/**
 * Embedded ports for engagement tests: SQLite metadata and event log in a temp folder, the memory
 * cache, a manual clock. Each call is isolated; `close()` removes everything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCache } from '../../../core/cache/open.ts';
import type { Cache } from '../../../core/cache/ports.ts';
import { manualClock } from '../../../core/clock.ts';
import { openEventLog } from '../../../core/events/open.ts';
import type { EventLog } from '../../../core/events/ports.ts';
import { openMetadataStore } from '../../../core/metadata/open.ts';
import type { MetadataStore } from '../../../core/metadata/ports.ts';
import type { Telemetry } from '../../../core/telemetry/telemetry.ts';
import { capturingTelemetry, type LogLine } from '../../../core/testing/telemetry.ts';
import { VideoCounters } from '../counters.ts';
import type { EngagementDeps } from '../deps.ts';

/** The opened ports plus seeding helpers, and a telemetry whose log lines are kept in `logs`. */
export interface Fixture extends EngagementDeps {
  clock: ReturnType<typeof manualClock>;
  telemetry: Telemetry;
  logs: LogLine[];
  dir: string;
  addUser(id: string, handle?: string): Promise<void>;
  addVideo(
    id: string,
    authorId: string,
    opts?: { privacy?: 'public' | 'private' | 'friends'; status?: string; durationMs?: number; hashtags?: string[] },
  ): Promise<void>;
  close(): Promise<void>;
}

/** Opens fresh embedded ports (or the given cache) and migrates the metadata store. */
export async function openFixture(
  opts: { cache?: Cache; metadataUrl?: string; eventsUrl?: string } = {},
): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'foryou-eng-'));
  const metadata: MetadataStore = await openMetadataStore(opts.metadataUrl ?? `sqlite://${join(dir, 'meta.db')}`);
  await metadata.migrate();
  const events: EventLog = await openEventLog(opts.eventsUrl ?? `sqlite://${join(dir, 'events.db')}?pollMs=5`);
  const cache = opts.cache ?? (await openCache('memory://'));
  const clock = manualClock(1_800_000_000_000);
  const counters = new VideoCounters({ cache, metadata, clock });
  const { telemetry, lines: logs } = capturingTelemetry();
  return {
    metadata,
    events,
    cache,
    clock,
    counters,
    telemetry,
    logs,
    dir,
    async addUser(id, handle = id) {
      await metadata.run(
        'INSERT INTO users (id, handle, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)',
        [id, handle, handle.toUpperCase(), 'x', clock.now()],
      );
    },
    async addVideo(id, authorId, o = {}) {
      await metadata.run(
        `INSERT INTO videos (id, author_id, privacy, status, duration_ms, hashtags, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          id,
          authorId,
          o.privacy ?? 'public',
          o.status ?? 'ready',
          o.durationMs ?? 10_000,
          JSON.stringify(o.hashtags ?? ['cats']),
          clock.now(),
        ],
      );
    },
    async close() {
      await events.close();
      await metadata.close();
      if (!opts.cache) await cache.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
