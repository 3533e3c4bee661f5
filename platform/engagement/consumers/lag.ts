import type { EventLog } from '../../../core/events/ports.ts';
import { ENGAGEMENT_GROUPS, ENGAGEMENT_TOPIC } from '../events.ts';

/** Where the engagement log ends, and how far each consumer group is behind that end. */
export interface ConsumerLag {
  topic: string;
  /** The next offset to be written, per partition. */
  endOffsets: number[];
  groups: { group: string; committed: number[]; lag: number }[];
}

/** Reads the log end and every engagement group's committed offsets; lag is summed over partitions. */
export async function consumerLag(events: EventLog): Promise<ConsumerLag> {
  const endOffsets = await events.endOffsets(ENGAGEMENT_TOPIC);
  const groups = await Promise.all(
    Object.values(ENGAGEMENT_GROUPS).map(async (group) => {
      const committed = await events.committed(ENGAGEMENT_TOPIC, group);
      const lag = endOffsets.reduce((sum, end, p) => sum + Math.max(0, end - (committed[p] ?? 0)), 0);
      return { group, committed, lag };
    }),
  );
  return { topic: ENGAGEMENT_TOPIC, endOffsets, groups };
}
