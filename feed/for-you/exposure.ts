/** Hour-key strings kept per author (all dropped past it, and when the clock hour changes). */
const AUTHOR_KEYS_MAX = 100_000;

let keysHour = Number.NaN;
const authorKeys = new Map<string, string>();

/**
 * `feed:exp:a:<author>:<hour>`, built once per author and hour: a page reads some 250 creators' counts,
 * and a key string built afresh is hashed afresh by every cache lookup, which cost more than the lookups.
 */
function authorHourKey(authorId: string, nowMs: number): string {
  const hour = Math.floor(nowMs / 3_600_000);
  if (hour !== keysHour || authorKeys.size >= AUTHOR_KEYS_MAX) {
    authorKeys.clear();
    keysHour = hour;
  }
  let key = authorKeys.get(authorId);
  if (key === undefined) {
    key = `feed:exp:a:${authorId}:${hour}`;
    authorKeys.set(authorId, key);
  }
  return key;
}

/** Cache keys counting how often videos and creators were served (fresh-upload budget, creator cap). */
export const exposureKeys = {
  /** All-time serves of a video; the fresh source stops boosting it past its budget. */
  video: (videoId: string) => `feed:exp:v:${videoId}`,
  /** Serves of a creator's videos in one clock hour. */
  authorHour: authorHourKey,
};

/** How long a video's serve count matters: a video older than the fresh window no longer reads it. */
export const VIDEO_EXPOSURE_TTL_MS = 8 * 86_400_000;
export const AUTHOR_EXPOSURE_TTL_MS = 2 * 3_600_000;
