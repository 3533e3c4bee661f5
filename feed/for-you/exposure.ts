/** Cache keys counting how often videos and creators were served (fresh-upload budget, creator cap). */
export const exposureKeys = {
  /** All-time serves of a video; the fresh source stops boosting it past its budget. */
  video: (videoId: string) => `feed:exp:v:${videoId}`,
  /** Serves of a creator's videos in one clock hour. */
  authorHour: (authorId: string, nowMs: number) => `feed:exp:a:${authorId}:${Math.floor(nowMs / 3_600_000)}`,
};

/** How long a video's serve count matters: a video older than the fresh window no longer reads it. */
export const VIDEO_EXPOSURE_TTL_MS = 8 * 86_400_000;
export const AUTHOR_EXPOSURE_TTL_MS = 2 * 3_600_000;
