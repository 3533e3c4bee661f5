import type { EventLog } from '../../core/events/ports.ts';
import type { JobQueue, JobStatus } from '../../core/queue/ports.ts';
import type { Telemetry } from '../../core/telemetry/telemetry.ts';
import { consumerLag } from '../engagement/consumers/lag.ts';
import { TRANSCODE_QUEUE } from '../media/transcode.jobs.ts';

/** The job queues an operator watches (the gauges and the status page). */
export const WATCHED_QUEUES: readonly string[] = [TRANSCODE_QUEUE];

/** What `GET /api/v1/ops/status` answers. */
export interface OpsStatus {
  uptime_s: number;
  started_at: number;
  models: {
    name: string;
    stage: string;
    loaded_version: string | null;
    loaded_at: number | null;
    last_error: string | null;
    rejected: { version: string; error: string; at: number; attempts: number }[];
  }[];
  index: { version: string; size: number; dims: number; built_at: number; age_s: number } | null;
  event_log: { topic: string; end_offsets: number[] } | null;
  consumers: { group: string; committed: number[]; lag: number }[];
  queues: { queue: string; depth: Record<JobStatus, number> }[];
  /** Parts that could not be read just now (a backend down), each with why; the rest is still shown. */
  unavailable: { part: string; error: string }[];
}

/**
 * Reads everything the operator page shows. A backend that cannot answer leaves its part empty and is
 * named in `unavailable` (and logged and counted), so the page still works during an outage.
 */
export async function readOpsStatus(
  deps: { telemetry: Telemetry; events: EventLog; queue: JobQueue },
  nowMs: number = Date.now(),
): Promise<OpsStatus> {
  const { telemetry } = deps;
  const log = telemetry.component('ops');
  const unavailable: OpsStatus['unavailable'] = [];
  const attempt = async <T>(part: string, read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (err) {
      log.failed(err, `ops status: ${part} unavailable`);
      unavailable.push({ part, error: (err as Error)?.message ?? String(err) });
      return undefined;
    }
  };
  const [lag, queues] = await Promise.all([
    attempt('event_log', () => consumerLag(deps.events)),
    Promise.all(
      WATCHED_QUEUES.map(async (queue) => {
        const depth = await attempt(`queue:${queue}`, () => deps.queue.counts(queue));
        return depth ? [{ queue, depth }] : [];
      }),
    ),
  ]);
  const index = telemetry.status.index();
  return {
    uptime_s: Math.round(telemetry.uptimeS()),
    started_at: telemetry.startedAt,
    models: telemetry.status.models().map((m) => ({
      name: m.name,
      stage: m.stage,
      loaded_version: m.loadedVersion,
      loaded_at: m.loadedAt,
      last_error: m.lastError,
      rejected: m.rejected,
    })),
    index: index
      ? {
          version: index.version,
          size: index.size,
          dims: index.dims,
          built_at: index.builtAt,
          age_s: Math.max(0, Math.round((nowMs - index.builtAt) / 1000)),
        }
      : null,
    event_log: lag ? { topic: lag.topic, end_offsets: lag.endOffsets } : null,
    consumers: lag?.groups ?? [],
    queues: queues.flat(),
    unavailable,
  };
}
